"""The boundary where botocore's exceptions become one-line `AwsError`/`InputError`s with a hint,
the original chained."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from eks_tf_auth.errors import AwsError, InputError

NO_CREDENTIALS_HINT = (
    "set AWS_PROFILE, run 'aws sso login', or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)

# botocore's credential providers (their METHOD) -> what the user configured, and what to check.
SOURCES = {
    "custom-process": (
        "credential_process",
        "run the profile's credential_process yourself: it must print one JSON object with "
        "Version 1, AccessKeyId, SecretAccessKey and, if any, an ISO 8601 Expiration",
    ),
    "assume-role-with-web-identity": (
        "web identity (AWS_WEB_IDENTITY_TOKEN_FILE or web_identity_token_file)",
        "check that the token file exists and is readable (IRSA: the pod's projected token)",
    ),
    "container-role": (
        "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI/RELATIVE_URI)",
        "a full URI must be https, a loopback address or the EKS Pod Identity agent's",
    ),
    "sso": ("AWS SSO (IAM Identity Center)", "run 'aws sso login' for this profile"),
    "assume-role": (
        "the profile's role_arn and its source_profile or credential_source",
        "check the profile's role settings and the source credentials",
    ),
}


@contextlib.contextmanager
def translate_errors(
    context: str | None = None, *, endpoint_variable: str = "AWS_ENDPOINT_URL_STS"
) -> Iterator[None]:
    """Turn botocore's exceptions into one-line errors with a hint; chain the original.
    `endpoint_variable` is the setting that points this call's service elsewhere."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    prefix = f"{context}: " if context else ""
    try:
        yield
    except bx.ClientError as e:
        err = e.response.get("Error", {})
        raise client_error(prefix, err.get("Code", "Unknown"), err.get("Message", "")) from e
    except bx.ProfileNotFound as e:
        raise InputError(
            f"{prefix}{_one_line(str(e))}", hint="list profiles with 'aws configure list-profiles'"
        ) from e
    except (bx.ConfigParseError, bx.InvalidConfigError) as e:
        raise InputError(f"{prefix}{_one_line(str(e))}", hint="fix the AWS config file") from e
    except (bx.NoCredentialsError, bx.PartialCredentialsError) as e:
        raise AwsError(f"{prefix}no AWS credentials found", hint=NO_CREDENTIALS_HINT) from e
    except (bx.TokenRetrievalError, bx.UnauthorizedSSOTokenError, bx.SSOTokenLoadError) as e:
        raise AwsError(
            f"{prefix}{_one_line(str(e))}", hint="run 'aws sso login' for this profile"
        ) from e
    except bx.CredentialRetrievalError as e:
        source, hint = SOURCES.get(
            str(e.kwargs.get("provider")), ("botocore's credential chain", "")
        )
        raise AwsError(
            f"{prefix}cannot get AWS credentials from {source}: "
            f"{_one_line(str(e.kwargs.get('error_msg', '')))}",
            hint=hint or NO_CREDENTIALS_HINT,
        ) from e
    except (bx.ConnectionError, bx.HTTPClientError) as e:
        raise unreachable(prefix, str(e), endpoint_variable) from e
    except bx.BotoCoreError as e:
        raise AwsError(f"{prefix}{_one_line(str(e))}") from e
    except ResponseParserError as e:  # not a BotoCoreError; its text ends with the body
        detail = str(e).split(", invalid XML received", 1)[0]
        raise AwsError(
            f"{prefix}cannot read the answer: {_one_line(detail)}",
            hint=f"check {endpoint_variable} and proxy settings: something other than AWS may "
            "have answered",
        ) from e


def client_error(prefix: str, code: str, message: str) -> AwsError:
    """An AWS service's error answer (its code and message), with what to check."""
    hint = None
    if code in ("AccessDenied", "AccessDeniedException"):
        hint = "check the role's trust policy and the caller's sts:AssumeRole permission"
    elif code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"):
        hint = "refresh your AWS credentials (e.g. 'aws sso login') and try again"
    return AwsError(f"{prefix}{code}: {_one_line(message)}", hint=hint)


def unreachable(prefix: str, detail: str, endpoint_variable: str) -> AwsError:
    """An endpoint that did not answer in time, or at all."""
    return AwsError(
        f"{prefix}cannot reach AWS: {_one_line(detail)}",
        hint=f"check the network, proxy settings and {endpoint_variable}; the waits are "
        "bounded by EKS_TF_AUTH_CONNECT_TIMEOUT and EKS_TF_AUTH_READ_TIMEOUT",
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
