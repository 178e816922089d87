"""The only module that imports botocore: sessions, the credential chain, AssumeRole, and the
translation of botocore's exceptions into one-line `AwsError`/`InputError`s.

Static credentials in the environment are taken without botocore (see `static_credentials`), so
the common CI path never pays botocore's import; everything else goes through botocore's full
chain: profiles, SSO, credential_process, web identity (IRSA), container and instance metadata.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, cast

from eks_tf_auth.errors import AwsError, InputError
from eks_tf_auth.token import Credentials

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.session import Session
    from mypy_boto3_eks import EKSClient

logger = logging.getLogger(__name__)

# Instance-metadata defaults that fail in ~2 s, not ~20 s, where there is no IMDS.
METADATA_TIMEOUT = 1
METADATA_ATTEMPTS = 1
SESSION_NAME_PREFIX = "eks-tf-auth-"
_NO_CREDENTIALS_HINT = (
    "set AWS_PROFILE, run 'aws sso login', or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


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


def session(profile: str | None) -> Session:
    import botocore.session

    with translate_errors():
        sess = botocore.session.Session(profile=profile)
        for name, default in (
            ("metadata_service_timeout", METADATA_TIMEOUT),
            ("metadata_service_num_attempts", METADATA_ATTEMPTS),
        ):
            if sess.get_config_variable(name) is None:  # pragma: no cover - botocore sets 1
                sess.set_config_variable(name, default)
    return sess


def chain_credentials(sess: Session) -> Credentials:
    """Credentials from botocore's full provider chain."""
    with translate_errors():
        found = sess.get_credentials()
        if found is None:
            raise AwsError("no AWS credentials found", hint=_NO_CREDENTIALS_HINT)
        frozen = found.get_frozen_credentials()
    # botocore keeps the expiry of refreshable credentials (SSO, IRSA, IMDS, process) private.
    expiry = cast("datetime | None", getattr(found, "_expiry_time", None))
    if frozen.access_key is None or frozen.secret_key is None:
        raise AwsError("the AWS credentials found are incomplete", hint=_NO_CREDENTIALS_HINT)
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None, expiry)


def sts_client(sess: Session, source: Credentials, *, region: str, endpoint_url: str) -> BaseClient:
    with translate_errors():
        return sess.create_client(
            "sts",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=source.access_key_id,
            aws_secret_access_key=source.secret_access_key,
            aws_session_token=source.session_token,
        )


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


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    status: str
    endpoint: str
    certificate_authority_data: str  # base64 PEM, as in a kubeconfig
    arn: str | None = None


def describe_cluster(
    profile: str | None, credentials: Credentials, *, name: str, region: str
) -> Cluster:
    """EKS DescribeCluster; the endpoint follows AWS_ENDPOINT_URL_EKS and the profile."""
    where = f"cluster {name!r} in {region}"
    sess = session(profile)
    with translate_errors(f"cannot describe {where}"):
        eks = cast(
            "EKSClient",
            sess.create_client(
                "eks",
                region_name=region,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            ),
        )
        try:
            found = eks.describe_cluster(name=name)["cluster"]
        except eks.exceptions.ResourceNotFoundException as e:
            raise AwsError(
                f"{where} not found",
                hint="check the name and region: 'aws eks list-clusters --region " + region + "'",
            ) from e
    return Cluster(
        name=found["name"],
        region=region,
        status=found.get("status", "UNKNOWN"),
        endpoint=found.get("endpoint", ""),
        certificate_authority_data=found.get("certificateAuthority", {}).get("data", ""),
        arn=found.get("arn"),
    )


@contextlib.contextmanager
def translate_errors(context: str | None = None) -> Iterator[None]:
    """Turn botocore's exceptions into one-line errors with a hint; chain the original."""
    from botocore import exceptions as bx

    prefix = f"{context}: " if context else ""
    try:
        yield
    except bx.ClientError as e:
        err = e.response.get("Error", {})
        code, message = err.get("Code", "Unknown"), err.get("Message", "")
        hint = None
        if code in ("AccessDenied", "AccessDeniedException"):
            hint = "check the role's trust policy and the caller's sts:AssumeRole permission"
        elif code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"):
            hint = "refresh your AWS credentials (e.g. 'aws sso login') and try again"
        raise AwsError(f"{prefix}{code}: {_one_line(message)}", hint=hint) from e
    except bx.ProfileNotFound as e:
        raise InputError(
            f"{prefix}{_one_line(str(e))}", hint="list profiles with 'aws configure list-profiles'"
        ) from e
    except (bx.ConfigParseError, bx.InvalidConfigError) as e:
        raise InputError(f"{prefix}{_one_line(str(e))}", hint="fix the AWS config file") from e
    except (bx.NoCredentialsError, bx.PartialCredentialsError) as e:
        raise AwsError(f"{prefix}no AWS credentials found", hint=_NO_CREDENTIALS_HINT) from e
    except (bx.TokenRetrievalError, bx.UnauthorizedSSOTokenError, bx.SSOTokenLoadError) as e:
        raise AwsError(
            f"{prefix}{_one_line(str(e))}", hint="run 'aws sso login' for this profile"
        ) from e
    except bx.CredentialRetrievalError as e:
        raise AwsError(f"{prefix}{_one_line(str(e))}", hint=_NO_CREDENTIALS_HINT) from e
    except bx.ConnectionError as e:
        raise AwsError(
            f"{prefix}cannot reach AWS: {_one_line(str(e))}",
            hint="check the network, proxy settings and AWS_ENDPOINT_URL_STS",
        ) from e
    except bx.BotoCoreError as e:
        raise AwsError(f"{prefix}{_one_line(str(e))}") from e


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise InputError(
            f"AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time: {text!r}",
            hint="unset it or use a form such as 2030-01-01T00:00:00Z",
        ) from e
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
