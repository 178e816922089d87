"""STS AssumeRole without botocore, for `--role-arn` with static source keys: botocore's import
alone costs more than the whole call (bench/exec_bench.py).

Only where botocore would send the same request and read the same answer (`applies`): the
source keys are static (environment or a profile's, see credentials.py), nothing changes how
botocore connects (a proxy, a CA bundle, profile settings outside `PROFILE_KEYS`), and the
endpoint is the one identity.py resolved for both. The request is botocore's: the query-protocol
body, signed with SigV4 in the Authorization header, sent with the same connect and read
timeouts and verified with the CA bundle botocore would use; the answer is read as botocore
reads it, and a failure is retried under botocore's standard mode (transient errors, throttling,
at most `session.MAX_ATTEMPTS` attempts, a jittered wait) and reported with the same message.
tests/aws/test_assume.py sends both to moto and to an STS double that checks every signature
with botocore's own signer, and holds their answers and failures equal.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from eks_tf_auth.aws.credentials import (
    PROFILE_KEYS,
    Credentials,
    default_session_name,
    iso_time,
)
from eks_tf_auth.aws.errors import client_error, unreachable
from eks_tf_auth.token import (
    ALGORITHM,
    AMZ_DATE,
    STS_VERSION,
    credential_scope,
    percent_encode,
    sign_v4,
    utcnow,
)

if TYPE_CHECKING:
    import ssl
    import xml.etree.ElementTree as ET

    from eks_tf_auth.aws.config import AwsSettings
    from eks_tf_auth.aws.endpoints import Endpoint

# What makes botocore connect otherwise: a proxy.
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
# botocore's standard retry mode: what is retried, and how long it waits before the next try.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
RETRY_CODES = frozenset(
    {
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
        "IDPCommunicationError",
    }
)  # fmt: skip
_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
_CREDENTIAL_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")


class Handover(Exception):
    """An answer botocore may read otherwise: the caller asks again through botocore."""


class _Unreachable(Exception):
    """The call did not get an answer: botocore's message for it."""


class _Failed(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def ca_bundle(settings: AwsSettings, environ: Mapping[str, str]) -> str | None:
    """The CA bundle botocore would verify the endpoint with (its setting, REQUESTS_CA_BUNDLE,
    else certifi's), or None where botocore would connect otherwise than `assume_role` does:
    through a proxy, with an empty CA setting (which botocore refuses), or under a profile
    setting outside those known not to matter."""
    if any(environ.get(name) is not None for name in PROXY_VARIABLES):
        return None
    if not settings.profile_keys <= PROFILE_KEYS:
        return None
    chosen = settings.ca_bundle
    if chosen is None:
        chosen = environ.get("REQUESTS_CA_BUNDLE")
    if chosen is None:
        return _default_ca_bundle()
    return chosen if chosen.strip() else None


def assume_role(
    source: Credentials,
    endpoint: Endpoint,
    *,
    role_arn: str,
    external_id: str | None,
    session_name: str | None,
    environ: Mapping[str, str],
    verify: str,
    now: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> Credentials:
    from eks_tf_auth.aws.session import MAX_ATTEMPTS, timeout

    params = [
        ("Action", "AssumeRole"),
        ("Version", STS_VERSION),
        ("RoleArn", role_arn),
        ("RoleSessionName", session_name or default_session_name()),
    ]
    if external_id:
        params.append(("ExternalId", external_id))
    body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params).encode()
    timeouts = (
        timeout(environ, "EKS_TF_AUTH_CONNECT_TIMEOUT"),
        timeout(environ, "EKS_TF_AUTH_READ_TIMEOUT"),
    )
    prefix = f"cannot assume role {role_arn}: "
    for attempt in range(1, MAX_ATTEMPTS + 1):
        headers = sign(source, endpoint, body, now())
        try:
            status, answer = _post(endpoint, headers, body, timeouts, verify)
        except _Unreachable as e:
            if attempt < MAX_ATTEMPTS:
                sleep(random.random())
                continue
            raise unreachable(prefix, str(e), "AWS_ENDPOINT_URL_STS") from None
        try:
            return _credentials(status, answer)
        except _Failed as e:
            if attempt < MAX_ATTEMPTS and (e.status in RETRY_STATUS or e.code in RETRY_CODES):
                sleep(random.random())
                continue
            raise client_error(prefix, e.code, e.message) from None
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def sign(creds: Credentials, endpoint: Endpoint, body: bytes, at: datetime) -> dict[str, str]:
    """The headers of a SigV4-signed POST of `body` to the endpoint's root."""
    signed_at = at.astimezone(timezone.utc)
    amz_date = signed_at.strftime(AMZ_DATE)
    headers = {"content-type": CONTENT_TYPE, "host": endpoint.host, "x-amz-date": amz_date}
    if creds.session_token:
        headers["x-amz-security-token"] = creds.session_token
    names = sorted(headers)
    signed_headers = ";".join(names)
    canonical = "\n".join(
        [
            "POST",
            endpoint.path,
            "",
            "".join(f"{n}:{' '.join(headers[n].split())}\n" for n in names),
            signed_headers,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = credential_scope(signed_at, endpoint.signing_region)
    signature = sign_v4(creds.secret_access_key, signed_at, endpoint.signing_region, canonical)
    headers["authorization"] = (
        f"{ALGORITHM} Credential={creds.access_key_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return headers


def _post(
    endpoint: Endpoint,
    headers: dict[str, str],
    body: bytes,
    timeouts: tuple[float, float],
    verify: str,
) -> tuple[int, bytes]:
    """POST and read the answer; what keeps it from arriving is `_Unreachable`, worded as
    botocore words it."""
    import http.client
    import ssl

    url = f"{endpoint.url}/"
    connect, read = timeouts
    conn: http.client.HTTPConnection
    if endpoint.url.startswith("https:"):
        conn = http.client.HTTPSConnection(endpoint.host, timeout=connect, context=_tls(verify))
    else:
        conn = http.client.HTTPConnection(endpoint.host, timeout=connect)
    try:
        try:
            conn.connect()
        except ssl.SSLError:
            raise Handover("a TLS failure") from None
        except TimeoutError:
            raise _Unreachable(f'Connect timeout on endpoint URL: "{url}"') from None
        except OSError:
            raise _Unreachable(f'Could not connect to the endpoint URL: "{url}"') from None
        assert conn.sock is not None
        conn.sock.settimeout(read)
        try:
            conn.request("POST", endpoint.path, body, headers)
            response = conn.getresponse()
            return response.status, response.read()
        except TimeoutError:
            raise _Unreachable(f'Read timeout on endpoint URL: "{url}"') from None
        except (OSError, http.client.HTTPException):
            raise _Unreachable(
                "Connection was closed before we received a valid response from endpoint "
                f'URL: "{url}".'
            ) from None
    finally:
        conn.close()


def _tls(verify: str) -> ssl.SSLContext:
    """A context that trusts only `verify` (a file or a directory), as urllib3 does for botocore."""
    import os
    import ssl

    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError):
        raise Handover("a CA bundle that cannot be loaded") from None


def _default_ca_bundle() -> str:
    """What botocore verifies with where nothing else is set: certifi's bundle where certifi is
    installed, else the one botocore ships."""
    try:
        import certifi
    except ImportError:
        import importlib.util
        import os

        spec = importlib.util.find_spec("botocore")
        assert spec is not None and spec.origin is not None  # a dependency
        return os.path.join(os.path.dirname(spec.origin), "cacert.pem")
    return str(certifi.where())


def _credentials(status: int, answer: bytes) -> Credentials:
    """botocore's reading of an AssumeRole answer; one it would read otherwise is handed over."""
    import xml.etree.ElementTree as ET

    if status >= 500 and (not answer.strip() or answer.strip().startswith(b"<html>")):
        import http.client  # a proxy's or load balancer's page: botocore's generic error

        raise _Failed(status, str(status), http.client.responses.get(status, ""))
    try:
        root = ET.fromstring(answer)
    except ET.ParseError:
        raise Handover("an answer that is not XML") from None
    if status >= 300:
        error = root.find(f"{_NS}Error")
        code = _text(error, "Code") if error is not None else ""
        if error is None or not code:
            raise Handover("an error answer without a code")
        raise _Failed(status, code, _text(error, "Message"))
    creds = root.find(f"{_NS}AssumeRoleResult/{_NS}Credentials")
    values = [_text(creds, n) if creds is not None else "" for n in _CREDENTIAL_FIELDS]
    if not all(values):
        raise Handover("an answer without credentials")
    key, secret, session_token, expiration = values
    try:
        expires = iso_time(expiration)
    except ValueError:
        raise Handover("an expiration that is not ISO 8601") from None
    return Credentials(key, secret, session_token, expires)


def _text(element: ET.Element, name: str) -> str:
    child = element.find(f"{_NS}{name}")
    return (child.text or "").strip() if child is not None else ""
