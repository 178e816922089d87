"""STS as `doctor` needs it: the credentials `exec` would sign with together with the botocore
provider that found them, and GetCallerIdentity with the `Date` header of its answer (AWS's
clock, against which a local clock's skew is measured).

`find_credentials` takes the same steps, in the same order, as `identity.credentials` (static
environment keys and a profile's static keys without botocore, else botocore's chain; then
AssumeRole for a role given), and only adds the name of the source. The client is injected
(`client()` builds one), so tests can hand in one pointed at moto or a `Stubber`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, cast

from eks_tf_auth.aws import credentials as creds
from eks_tf_auth.aws.errors import translate_errors

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

    from eks_tf_auth.aws.credentials import Credentials
    from eks_tf_auth.identity import Resolved

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_STS"
# The names of the two fast paths, as botocore's own providers call the same sources.
ENVIRONMENT = "env"
PROFILE_KEYS = "shared-credentials-file"
ASSUMED = "assume-role"  # the request's own role (--role-arn), assumed after the source


@dataclass(frozen=True)
class Found:
    """The credentials `exec` would sign with, and where they came from: `source` is botocore's
    provider METHOD ("env", "sso", "custom-process", "assume-role-with-web-identity",
    "container-role", "iam-role", ...); `role_arn` is set when the request's role was assumed
    on top of them."""

    credentials: Credentials
    source: str
    source_expires_at: datetime | None
    role_arn: str | None = None


@dataclass(frozen=True)
class Caller:
    """GetCallerIdentity's answer, and when AWS says it answered (its Date header)."""

    arn: str
    account: str
    user_id: str
    server_time: datetime | None


def find_credentials(resolved: Resolved, environ: Mapping[str, str]) -> Found:
    """`identity.credentials(resolved, environ)`, with the source named."""
    request = resolved.request
    source = creds.static_credentials(environ, profile=request.profile)
    method = ENVIRONMENT
    if source is None and not request.role_arn:
        source = creds.profile_credentials(environ, profile=request.profile)
        method = PROFILE_KEYS
    if source is not None and not request.role_arn:
        return Found(source, method, source.expires_at)
    from eks_tf_auth.aws import session

    sess = session.session(request.profile, environ)
    sess.set_config_variable("region", resolved.region)
    if source is None:
        source = creds.chain_credentials(sess)
        # botocore keeps the credentials it resolved: this asks no provider again.
        method = str(getattr(sess.get_credentials(), "method", "unknown"))
    if not request.role_arn:
        return Found(source, method, source.expires_at)
    sts = session.sts_client(
        sess, source, region=resolved.sts.signing_region, endpoint_url=resolved.sts.url
    )
    assumed = creds.assume_role(
        sts,
        role_arn=request.role_arn,
        external_id=request.external_id,
        session_name=request.session_name,
    )
    return Found(assumed, method, source.expires_at, request.role_arn)


def client(resolved: Resolved, credentials: Credentials, environ: Mapping[str, str]) -> STSClient:
    """An STS client on the endpoint the token is signed for."""
    from eks_tf_auth.aws import session

    sess = session.session(resolved.request.profile, environ)
    return cast(
        "STSClient",
        session.sts_client(
            sess, credentials, region=resolved.sts.signing_region, endpoint_url=resolved.sts.url
        ),
    )


def caller_identity(sts: STSClient) -> Caller:
    """GetCallerIdentity, and the time of its answer."""
    with translate_errors("sts:GetCallerIdentity failed", endpoint_variable=ENDPOINT_VARIABLE):
        found = sts.get_caller_identity()
    headers = found.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return Caller(
        arn=found.get("Arn", ""),
        account=found.get("Account", ""),
        user_id=found.get("UserId", ""),
        server_time=_http_date(headers.get("date")),
    )


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return creds.as_utc(moment)
