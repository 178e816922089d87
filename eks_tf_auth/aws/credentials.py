"""AWS credentials: the record the signer takes, environment keys read without botocore, botocore's
full provider chain, and AssumeRole.

Static credentials in the environment are taken without botocore (see `static_credentials`), so the
common CI path never pays botocore's import; everything else goes through botocore's full chain:
profiles, SSO, credential_process, web identity (IRSA), container and instance metadata.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, cast

from eks_tf_auth.aws.errors import NO_CREDENTIALS_HINT, translate_errors
from eks_tf_auth.errors import AwsError, InputError

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.session import Session

SESSION_NAME_PREFIX = "eks-tf-auth-"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None  # None for long-term keys


def static_credentials(environ: Mapping[str, str], *, profile: str | None) -> Credentials | None:
    """Access keys from the environment, where botocore's chain would pick them too.

    botocore's environment provider comes first in its chain, except that an explicit profile
    (--profile, not AWS_PROFILE) removes it.
    """
    key = environ.get("AWS_ACCESS_KEY_ID")
    secret = environ.get("AWS_SECRET_ACCESS_KEY")
    if profile or not key or not secret:
        return None
    token = environ.get("AWS_SESSION_TOKEN") or environ.get("AWS_SECURITY_TOKEN") or None
    expiry = environ.get("AWS_CREDENTIAL_EXPIRATION")
    return Credentials(key, secret, token, _parse_time(expiry) if expiry else None)


def chain_credentials(sess: Session) -> Credentials:
    """Credentials from botocore's full provider chain."""
    with translate_errors():
        found = sess.get_credentials()
        if found is None:
            raise AwsError("no AWS credentials found", hint=NO_CREDENTIALS_HINT)
        frozen = found.get_frozen_credentials()
    # botocore keeps the expiry of refreshable credentials (SSO, IRSA, IMDS, process) private.
    expiry = cast("datetime | None", getattr(found, "_expiry_time", None))
    if frozen.access_key is None or frozen.secret_key is None:
        raise AwsError("the AWS credentials found are incomplete", hint=NO_CREDENTIALS_HINT)
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None, expiry)


def assume_role(
    sts: BaseClient,
    *,
    role_arn: str,
    external_id: str | None,
    session_name: str | None,
) -> Credentials:
    params: dict[str, str] = {
        "RoleArn": role_arn,
        "RoleSessionName": session_name or f"{SESSION_NAME_PREFIX}{int(time.time())}",
    }
    if external_id:
        params["ExternalId"] = external_id
    with translate_errors(f"cannot assume role {role_arn}"):
        out = sts.assume_role(**params)  # type: ignore[attr-defined]
    creds = out["Credentials"]
    return Credentials(
        creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], creds["Expiration"]
    )


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise InputError(
            f"AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time: {text!r}",
            hint="unset it or use a form such as 2030-01-01T00:00:00Z",
        ) from e
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
