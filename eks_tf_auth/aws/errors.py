"""The boundary where botocore's exceptions become one-line `AwsError`/`InputError`s with a hint,
the original chained."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from eks_tf_auth.errors import AwsError, InputError

NO_CREDENTIALS_HINT = (
    "set AWS_PROFILE, run 'aws sso login', or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
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
        raise AwsError(f"{prefix}no AWS credentials found", hint=NO_CREDENTIALS_HINT) from e
    except (bx.TokenRetrievalError, bx.UnauthorizedSSOTokenError, bx.SSOTokenLoadError) as e:
        raise AwsError(
            f"{prefix}{_one_line(str(e))}", hint="run 'aws sso login' for this profile"
        ) from e
    except bx.CredentialRetrievalError as e:
        raise AwsError(f"{prefix}{_one_line(str(e))}", hint=NO_CREDENTIALS_HINT) from e
    except bx.ConnectionError as e:
        raise AwsError(
            f"{prefix}cannot reach AWS: {_one_line(str(e))}",
            hint="check the network, proxy settings and AWS_ENDPOINT_URL_STS",
        ) from e
    except bx.BotoCoreError as e:
        raise AwsError(f"{prefix}{_one_line(str(e))}") from e


def _one_line(text: str) -> str:
    return " ".join(text.split())
