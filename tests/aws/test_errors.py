from __future__ import annotations

import pytest
from botocore import exceptions as bx

from eks_tf_auth.aws.errors import translate_errors
from eks_tf_auth.errors import AwsError, Error, InputError


def client_error(code: str, message: str = "nope") -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": message}}, "AssumeRole")


@pytest.mark.parametrize(
    ("exc", "kind", "message", "hint"),
    [
        (
            client_error("AccessDenied", "not\nallowed"),
            AwsError,
            "ctx: AccessDenied: not allowed",
            "trust policy",
        ),
        (client_error("ExpiredToken"), AwsError, "ctx: ExpiredToken: nope", "refresh"),
        (client_error("Throttling"), AwsError, "ctx: Throttling: nope", None),
        (
            bx.ProfileNotFound(profile="dev"),
            InputError,
            "ctx: The config profile (dev) could not be found",
            "list-profiles",
        ),
        (
            bx.ConfigParseError(path="/x"),
            InputError,
            "ctx: Unable to parse config file: /x",
            "fix the AWS config",
        ),
        (bx.NoCredentialsError(), AwsError, "ctx: no AWS credentials found", "AWS_PROFILE"),
        (
            bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
            AwsError,
            "ctx: no AWS credentials found",
            "AWS_PROFILE",
        ),
        (
            bx.UnauthorizedSSOTokenError(),
            AwsError,
            "ctx: The SSO session associated",
            "aws sso login",
        ),
        (
            bx.TokenRetrievalError(provider="sso", error_msg="expired"),
            AwsError,
            "ctx: Error when retrieving token from sso: expired",
            "aws sso login",
        ),
        (
            bx.CredentialRetrievalError(provider="process", error_msg="exit 1"),
            AwsError,
            "ctx: cannot get AWS credentials from botocore's credential chain: exit 1",
            "AWS_PROFILE",
        ),
        (
            bx.EndpointConnectionError(endpoint_url="https://sts.x"),
            AwsError,
            'ctx: cannot reach AWS: Could not connect to the endpoint URL: "https://sts.x"',
            "AWS_ENDPOINT_URL_STS",
        ),
        (bx.NoRegionError(), AwsError, "ctx: You must specify a region.", None),
    ],
)
def test_translate_errors(
    exc: Exception, kind: type[Error], message: str, hint: str | None
) -> None:
    with pytest.raises(kind) as caught, translate_errors("ctx"):
        raise exc
    assert type(caught.value) is kind
    assert caught.value.message.startswith(message)
    assert "\n" not in caught.value.message
    assert caught.value.__cause__ is exc
    if hint is None:
        assert caught.value.hint is None
    else:
        assert caught.value.hint and hint in caught.value.hint


def test_other_exceptions_pass_through() -> None:
    with pytest.raises(KeyError), translate_errors():
        raise KeyError("x")
