"""EKS bearer tokens: a SigV4 query-presigned STS GetCallerIdentity URL, base64url-encoded.

This module owns the token format: its prefix and validity, signing, decoding and redaction.
Nothing else in the package redefines them.

Signed here with the standard library rather than botocore, whose import alone (~150 ms) costs more
than the whole cold `exec` path may (bench/README.md has the figures). The known-answer test pins
this signer to the value botocore and aws-iam-authenticator produce, byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from eks_tf_auth.errors import AwsError

if TYPE_CHECKING:
    from eks_tf_auth.aws.credentials import Credentials
    from eks_tf_auth.aws.endpoints import Endpoint

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "sts"
AMZ_DATE = "%Y%m%dT%H%M%SZ"  # X-Amz-Date: the signing time in UTC, as SigV4 writes it
STS_ACTION = "GetCallerIdentity"
STS_VERSION = "2011-06-15"
PRESIGN_EXPIRES = 60  # seconds; EKS ignores it and accepts a token for 15 minutes after signing
TOKEN_VALIDITY = timedelta(minutes=15)  # how long EKS accepts a token after its X-Amz-Date
TOKEN_LIFETIME = timedelta(minutes=14)  # what we advertise: clients refresh late
CREDENTIAL_MARGIN = timedelta(minutes=1)
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_TOKEN_LENGTH = 4096  # EKS answers a longer token with a bare 401
# A token as it appears in text (plans, state, logs): the prefix and a base64url body.
TOKEN_PATTERN = re.compile(r"k8s-aws-v1\.[A-Za-z0-9_-]{20,}")
_SECRETS = re.compile(
    r"(k8s-aws-v1\.)[A-Za-z0-9_-]+"
    r"|((?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential)=)[^&\s\"']+",
)
# What else may stand in a process's or a library's message: access key ids, 40-character
# secret keys, and the long base64 of session tokens.
_KEYS = re.compile(
    r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"
    r"|(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
    r"|[A-Za-z0-9/+=]{100,}"
)


@dataclass(frozen=True)
class Token:
    """An EKS bearer token and when to stop using it (aware UTC)."""

    value: str = field(repr=False)  # "k8s-aws-v1." + base64url of the presigned URL
    expiration: datetime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def presign_token(
    credentials: Credentials,
    cluster_id: str,
    endpoint: Endpoint,
    *,
    now: Callable[[], datetime] = utcnow,
) -> Token:
    """Sign a GetCallerIdentity URL bound to `cluster_id` by the x-k8s-aws-id header."""
    signed_at = now().astimezone(timezone.utc).replace(microsecond=0)
    if (
        credentials.expires_at is not None
        and credentials.expires_at <= signed_at + CREDENTIAL_MARGIN
    ):
        raise AwsError(
            "the AWS credentials have expired or expire within a minute "
            f"({credentials.expires_at:%Y-%m-%dT%H:%M:%SZ})",
            hint="refresh them (e.g. 'aws sso login', or new keys in the environment)",
        )
    amz_date = signed_at.strftime(AMZ_DATE)
    scope = credential_scope(signed_at, endpoint.signing_region)
    signed_headers = f"host;{CLUSTER_ID_HEADER}"
    params = [
        ("Action", STS_ACTION),
        ("Version", STS_VERSION),
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key_id}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(PRESIGN_EXPIRES)),
        ("X-Amz-SignedHeaders", signed_headers),
    ]
    if credentials.session_token:
        params.append(("X-Amz-Security-Token", credentials.session_token))
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params)
    canonical_query = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params)
    )
    canonical_request = "\n".join(
        [
            "GET",
            endpoint.path,
            canonical_query,
            f"host:{endpoint.host}\n{CLUSTER_ID_HEADER}:{cluster_id}\n",
            signed_headers,
            EMPTY_PAYLOAD_SHA256,
        ]
    )
    signature = sign_v4(
        credentials.secret_access_key, signed_at, endpoint.signing_region, canonical_request
    )
    url = f"{endpoint.url}/?{query}&X-Amz-Signature={signature}"
    encoded = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
    expiration = signed_at + TOKEN_LIFETIME
    if credentials.expires_at is not None:
        expiration = min(expiration, credentials.expires_at - CREDENTIAL_MARGIN)
    return Token(TOKEN_PREFIX + encoded, expiration)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC, as ExecCredential's expirationTimestamp and the external result carry it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def decode(token: str) -> str | None:
    """The presigned URL inside a token, or None where it is not one."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    body = token[len(TOKEN_PREFIX) :]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def signed_at(token: str) -> datetime | None:
    """When a token was signed (its X-Amz-Date), or None where that cannot be read."""
    url = decode(token)
    if url is None:
        return None
    try:
        stamp = parse_qs(urlsplit(url).query)["X-Amz-Date"][0]
        return datetime.strptime(stamp, AMZ_DATE).replace(tzinfo=timezone.utc)
    except (ValueError, KeyError):
        return None


def redact(text: str) -> str:
    """`text` with every token, signature, session token, credential scope, access key id and
    secret-shaped string replaced."""
    text = _SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "REDACTED", text)
    return _KEYS.sub("REDACTED", text)


def percent_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def credential_scope(signed_at: datetime, region: str) -> str:
    return f"{signed_at:%Y%m%d}/{region}/{SERVICE}/aws4_request"


def sign_v4(secret: str, signed_at: datetime, region: str, canonical_request: str) -> str:
    """The SigV4 signature (hex) of a canonical request signed at `signed_at` for `region`."""
    to_sign = "\n".join(
        [
            ALGORITHM,
            signed_at.strftime(AMZ_DATE),
            credential_scope(signed_at, region),
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _signing_key(secret, signed_at, region)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _signing_key(secret: str, signed_at: datetime, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (f"{signed_at:%Y%m%d}", region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
