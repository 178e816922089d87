from __future__ import annotations

# Independent, server-side verifier for EKS bearer tokens ("k8s-aws-v1." tokens).
#
# It applies the format checks that the EKS authenticator applies to a token before
# forwarding the pre-signed URL to STS, and then, instead of calling STS, recomputes the
# SigV4 query-string signature from a known secret key.  Because the cluster id travels
# as a signed header (x-k8s-aws-id) and not in the URL, the signature check is what binds
# a token to a cluster.
#
# The verifier is deliberately stricter than the real service in one respect: the URL
# must be in canonical form (every query component percent-encoded exactly as SigV4
# encodes it, no fragment, no user info, no port on the public STS hosts, canonical
# base64url).  That way every modified byte of a token is rejected, not only the ones
# that change the decoded values.  Tokens made by botocore, the AWS CLI and the AWS SDKs
# are all in this form.
import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote

# timezone.utc, spelled so that it needs neither Python 3.11's datetime.UTC nor
# trips linters that prefer datetime.UTC.
UTC = timezone(timedelta(0))

__all__ = [
    "TOKEN_PREFIX",
    "TOKEN_WINDOW",
    "TokenRejected",
    "VerifiedToken",
    "decode_token",
    "verify_token",
]

TOKEN_PREFIX = "k8s-aws-v1."
# The authenticator accepts a token for 15 minutes either side of X-Amz-Date.
TOKEN_WINDOW = timedelta(minutes=15)
MAX_EXPIRES_SECONDS = 900

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "sts"
TERMINATOR = "aws4_request"
CLUSTER_ID_HEADER = "x-k8s-aws-id"
REQUIRED_SIGNED_HEADERS = ("host", CLUSTER_ID_HEADER)
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()

ALLOWED_PARAMETERS = frozenset(
    {
        "Action",
        "Version",
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
)
REQUIRED_PARAMETERS = ALLOWED_PARAMETERS - {"X-Amz-Security-Token"}

_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}"
_REGION_RE = re.compile(rf"\A{_REGION}\Z")
_DEFAULT_STS_HOST_RE = re.compile(
    r"\A(?:"
    r"sts\.amazonaws\.com"
    rf"|sts\.{_REGION}\.amazonaws\.com"
    rf"|sts-fips\.{_REGION}\.amazonaws\.com"
    rf"|sts\.{_REGION}\.amazonaws\.com\.cn"
    rf"|sts\.{_REGION}\.api\.aws"
    rf"|sts-fips\.{_REGION}\.api\.aws"
    r")\Z"
)
_BASE64URL_RE = re.compile(r"\A[A-Za-z0-9_-]*\Z")
# scheme://netloc/?query -- nothing else (no user info, no fragment, path exactly "/").
_URL_RE = re.compile(
    r"\A(?P<scheme>[a-z]+)://(?P<netloc>[^/?#@\s]+)(?P<path>/[^?#]*|)(?P<rest>[?#].*|)\Z"
)
_AMZ_DATE_RE = re.compile(r"\A[0-9]{8}T[0-9]{6}Z\Z")
_SIGNATURE_RE = re.compile(r"\A[0-9a-f]{64}\Z")
_EXPIRES_RE = re.compile(r"\A(?:0|[1-9][0-9]{0,3})\Z")
_ACCESS_KEY_ID_RE = re.compile(r"\A[A-Za-z0-9_]{1,128}\Z")


class TokenRejected(Exception):
    """The token failed a check; the message names the check."""


@dataclass(frozen=True)
class VerifiedToken:
    """What a successfully verified token tells the server."""

    access_key_id: str
    region: str
    host: str
    cluster_id: str
    session_token: str | None
    signed_at: datetime
    query: dict[str, str]


def _rfc3986(value: str) -> str:
    # SigV4 encoding: everything except the RFC 3986 unreserved characters, upper-case hex.
    return quote(value, safe="-_.~")


def decode_token(token: str) -> str:
    """Return the pre-signed URL inside an EKS token, or raise TokenRejected."""
    if not token.startswith(TOKEN_PREFIX):
        raise TokenRejected(f"token does not start with {TOKEN_PREFIX!r}")
    payload = token[len(TOKEN_PREFIX) :].rstrip("=")
    if not payload:
        raise TokenRejected("token has an empty payload")
    if not _BASE64URL_RE.match(payload) or len(payload) % 4 == 1:
        raise TokenRejected("token payload is not base64url")
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenRejected(f"token payload is not base64url: {exc}") from None
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != payload:
        raise TokenRejected("token payload is not canonical base64url")
    try:
        url = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenRejected("token payload is not UTF-8") from None
    if not url.isprintable() or not url.isascii():
        raise TokenRejected("token URL contains non-printable or non-ASCII characters")
    return url


def _is_allowed_host(netloc: str, allowed_hosts: Collection[str] | None) -> bool:
    if allowed_hosts is not None:
        return netloc in allowed_hosts
    return _DEFAULT_STS_HOST_RE.match(netloc) is not None


def _parse_query(query: str) -> dict[str, str]:
    if not query:
        raise TokenRejected("URL has no query parameters")
    params: dict[str, str] = {}
    for part in query.split("&"):
        name_raw, sep, value_raw = part.partition("=")
        if not sep or not name_raw:
            raise TokenRejected(f"malformed query component {part!r}")
        try:
            name = unquote(name_raw, errors="strict")
            value = unquote(value_raw, errors="strict")
        except UnicodeDecodeError:
            raise TokenRejected(f"query component {part!r} is not UTF-8") from None
        if _rfc3986(name) != name_raw or _rfc3986(value) != value_raw:
            raise TokenRejected(f"query component {part!r} is not canonically percent-encoded")
        if name not in ALLOWED_PARAMETERS:
            raise TokenRejected(f"query parameter {name!r} is not allowed")
        if name in params:
            raise TokenRejected(f"query parameter {name!r} has more than one value")
        params[name] = value
    missing = sorted(REQUIRED_PARAMETERS - params.keys())
    if missing:
        raise TokenRejected(f"required query parameters missing: {', '.join(missing)}")
    return params


def _signing_key(secret: str, date: str, region: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, SERVICE, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _expected_signature(
    *,
    params: Mapping[str, str],
    host: str,
    cluster_id: str,
    signed_headers: list[str],
    secret: str,
    amz_date: str,
    scope_date: str,
    region: str,
) -> str:
    canonical_query = "&".join(
        f"{name}={value}"
        for name, value in sorted(
            (_rfc3986(name), _rfc3986(value))
            for name, value in params.items()
            if name != "X-Amz-Signature"
        )
    )
    header_values = {"host": host, CLUSTER_ID_HEADER: " ".join(cluster_id.split())}
    canonical_headers = "".join(f"{name}:{header_values[name]}\n" for name in signed_headers)
    canonical_request = "\n".join(
        [
            "GET",
            "/",
            canonical_query,
            canonical_headers,
            ";".join(signed_headers),
            EMPTY_PAYLOAD_SHA256,
        ]
    )
    scope = f"{scope_date}/{region}/{SERVICE}/{TERMINATOR}"
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ]
    )
    key = _signing_key(secret, scope_date, region)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_token(
    token: str,
    *,
    cluster_id: str,
    secrets: Mapping[str, str],
    now: datetime,
    allowed_hosts: Collection[str] | None = None,
) -> VerifiedToken:
    """Verify an EKS token for ``cluster_id`` at time ``now``.

    ``secrets`` maps access key ids to secret access keys.  ``allowed_hosts``, when given,
    replaces the public STS host names: the URL host (with port, if any) must then equal
    one of them, and plain http is accepted for those hosts.
    """
    if not cluster_id:
        raise ValueError("cluster_id must not be empty")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")

    url = decode_token(token)

    match = _URL_RE.match(url)
    if match is None:
        raise TokenRejected("token URL is not an absolute URL with a plain host")
    scheme, netloc = match["scheme"], match["netloc"]
    path, rest = match["path"], match["rest"]
    if scheme not in ("https", "http"):
        raise TokenRejected(f"URL scheme {scheme!r} is not https")
    if not _is_allowed_host(netloc, allowed_hosts):
        raise TokenRejected(f"URL host {netloc!r} is not an allowed STS host")
    if scheme != "https" and allowed_hosts is None:
        raise TokenRejected(f"URL scheme {scheme!r} is not https")
    if path != "/":
        raise TokenRejected(f"URL path {path!r} is not '/'")
    if not rest.startswith("?"):
        raise TokenRejected("URL has no query string")
    if "#" in rest:
        raise TokenRejected("URL has a fragment")

    params = _parse_query(rest[1:])

    if params["Action"] != "GetCallerIdentity":
        raise TokenRejected(f"Action {params['Action']!r} is not GetCallerIdentity")
    if params["Version"] != "2011-06-15":
        raise TokenRejected(f"Version {params['Version']!r} is not 2011-06-15")
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise TokenRejected(f"X-Amz-Algorithm {params['X-Amz-Algorithm']!r} is not {ALGORITHM}")

    signed_headers = params["X-Amz-SignedHeaders"].split(";")
    if CLUSTER_ID_HEADER not in signed_headers:
        raise TokenRejected(f"X-Amz-SignedHeaders does not include {CLUSTER_ID_HEADER}")
    if "host" not in signed_headers:
        raise TokenRejected("X-Amz-SignedHeaders does not include host")
    if tuple(signed_headers) != REQUIRED_SIGNED_HEADERS:
        raise TokenRejected(
            "X-Amz-SignedHeaders must be exactly 'host;x-k8s-aws-id', "
            f"got {params['X-Amz-SignedHeaders']!r}"
        )

    expires_raw = params["X-Amz-Expires"]
    if not _EXPIRES_RE.match(expires_raw):
        raise TokenRejected(f"X-Amz-Expires {expires_raw!r} is not a non-negative integer")
    if not 0 <= int(expires_raw) <= MAX_EXPIRES_SECONDS:
        raise TokenRejected(f"X-Amz-Expires {expires_raw} is outside 0..{MAX_EXPIRES_SECONDS}")

    amz_date = params["X-Amz-Date"]
    if not _AMZ_DATE_RE.match(amz_date):
        raise TokenRejected(f"X-Amz-Date {amz_date!r} is not in %Y%m%dT%H%M%SZ form")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise TokenRejected(f"X-Amz-Date {amz_date!r} is not a valid date") from None
    if now < signed_at - TOKEN_WINDOW:
        raise TokenRejected(f"X-Amz-Date {amz_date} is too far in the future")
    if now > signed_at + TOKEN_WINDOW:
        raise TokenRejected(f"token expired: X-Amz-Date {amz_date} is more than 15 minutes ago")

    credential = params["X-Amz-Credential"].split("/")
    if len(credential) != 5:
        raise TokenRejected("X-Amz-Credential is not <key>/<date>/<region>/sts/aws4_request")
    access_key_id, scope_date, region, service, terminator = credential
    if not _ACCESS_KEY_ID_RE.match(access_key_id):
        raise TokenRejected("X-Amz-Credential access key id is malformed")
    if scope_date != amz_date[:8]:
        raise TokenRejected("X-Amz-Credential date does not match X-Amz-Date")
    if not _REGION_RE.match(region):
        raise TokenRejected(f"X-Amz-Credential region {region!r} is not a region")
    if service != SERVICE or terminator != TERMINATOR:
        raise TokenRejected("X-Amz-Credential scope is not <region>/sts/aws4_request")

    session_token = params.get("X-Amz-Security-Token")
    if session_token is not None and not session_token:
        raise TokenRejected("X-Amz-Security-Token is empty")

    signature = params["X-Amz-Signature"]
    if not _SIGNATURE_RE.match(signature):
        raise TokenRejected("X-Amz-Signature is not 64 lower-case hex digits")

    secret = secrets.get(access_key_id)
    if secret is None:
        raise TokenRejected(f"unknown access key id {access_key_id}")

    expected = _expected_signature(
        params=params,
        host=netloc,
        cluster_id=cluster_id,
        signed_headers=signed_headers,
        secret=secret,
        amz_date=amz_date,
        scope_date=scope_date,
        region=region,
    )
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        raise TokenRejected(
            "signature mismatch (wrong cluster id, wrong secret key or modified URL)"
        )

    return VerifiedToken(
        access_key_id=access_key_id,
        region=region,
        host=netloc,
        cluster_id=cluster_id,
        session_token=session_token,
        signed_at=signed_at,
        query=dict(params),
    )
