from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast
from unittest import mock

import botocore.session
import pytest

from eks_tf_auth.aws.config import AwsSettings
from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.aws.endpoints import Endpoint, resolve_endpoint
from eks_tf_auth.token import (
    TOKEN_PREFIX,
    presign_token,
    redact,
)
from tests.support.aws import KAT_ACCESS_KEY, KAT_SECRET, KAT_SIGNATURE

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

KAT_TIME = datetime(2023, 4, 28, tzinfo=timezone.utc)


def settings(**kw: Any) -> AwsSettings:
    base: dict[str, Any] = {
        "profile": None,
        "region": None,
        "sts_regional_endpoints": "regional",
        "use_fips_endpoint": False,
        "use_dualstack_endpoint": False,
        "sts_endpoint_url": None,
    }
    base.update(kw)
    return AwsSettings(**base)


def decode(token: str) -> str:
    assert token.startswith(TOKEN_PREFIX)
    body = token[len(TOKEN_PREFIX) :]
    assert "=" not in body
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def fixed(at: datetime) -> Callable[[], datetime]:
    return lambda: at


def botocore_token(
    creds: Credentials, cluster: str, region: str, at: datetime, endpoint_url: str | None = None
) -> str:
    """The token as aws-cli's get-token builds it with botocore's presigner."""
    sess = botocore.session.Session()
    sess.set_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    client = cast(
        "STSClient", sess.create_client("sts", region_name=region, endpoint_url=endpoint_url)
    )

    def pop_cluster(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["cluster"] = params.pop("ClusterName")

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-k8s-aws-id"] = request.context["cluster"]

    client.meta.events.register("provide-client-params.sts.GetCallerIdentity", pop_cluster)
    client.meta.events.register("before-sign.sts.GetCallerIdentity", add_header)
    naive = at.astimezone(timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
        url: str = client.generate_presigned_url(
            "get_caller_identity",
            Params={"ClusterName": cluster},
            ExpiresIn=60,
            HttpMethod="GET",
        )
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def test_known_answer() -> None:
    creds = Credentials(KAT_ACCESS_KEY, KAT_SECRET)
    endpoint = resolve_endpoint("us-west-2", settings())
    token = presign_token(creds, "test-cluster", endpoint, now=fixed(KAT_TIME))
    url = decode(token.value)
    assert url.startswith("https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&")
    assert url.endswith(f"&X-Amz-Signature={KAT_SIGNATURE}")
    assert token.expiration == KAT_TIME + timedelta(minutes=14)
    assert "value" not in repr(token) and KAT_SIGNATURE not in repr(token)


@pytest.mark.parametrize(
    ("region", "session_token", "endpoint_url"),
    [
        ("us-west-2", None, None),
        ("us-west-2", "FwoGZXIvYXdzEJr//////////session+token/=", None),
        ("eu-central-1", "IQoJb3JpZ2luX2VjE", None),
        ("cn-north-1", "IQoJb3JpZ2luX2VjE", None),
        ("us-gov-west-1", None, None),
        ("ap-southeast-2", None, "http://127.0.0.1:5000"),
    ],
)
def test_byte_exact_with_botocore(
    region: str, session_token: str | None, endpoint_url: str | None
) -> None:
    creds = Credentials(KAT_ACCESS_KEY, KAT_SECRET, session_token)
    at = datetime(2026, 11, 22, 16, 30, 5, 123456, tzinfo=timezone.utc)
    endpoint = resolve_endpoint(region, settings(sts_endpoint_url=endpoint_url))
    ours = presign_token(creds, "my-cluster_1", endpoint, now=fixed(at)).value
    assert ours == botocore_token(creds, "my-cluster_1", region, at, endpoint_url)


def test_token_binds_the_cluster() -> None:
    creds = Credentials(KAT_ACCESS_KEY, KAT_SECRET)
    endpoint = resolve_endpoint("us-west-2", settings())
    a = presign_token(creds, "a", endpoint, now=fixed(KAT_TIME)).value
    b = presign_token(creds, "b", endpoint, now=fixed(KAT_TIME)).value
    assert decode(a).split("X-Amz-Signature=")[1] != decode(b).split("X-Amz-Signature=")[1]


@pytest.mark.parametrize(
    ("credential_expiry", "expected"),
    [
        (None, KAT_TIME + timedelta(minutes=14)),
        (KAT_TIME + timedelta(hours=1), KAT_TIME + timedelta(minutes=14)),
        (KAT_TIME + timedelta(minutes=10), KAT_TIME + timedelta(minutes=9)),
    ],
)
def test_expiration_is_capped_by_credentials(
    credential_expiry: datetime | None, expected: datetime
) -> None:
    creds = Credentials(KAT_ACCESS_KEY, KAT_SECRET, "tok", credential_expiry)
    endpoint = Endpoint(
        "https://sts.us-west-2.amazonaws.com", "sts.us-west-2.amazonaws.com", "us-west-2"
    )
    assert presign_token(creds, "c", endpoint, now=fixed(KAT_TIME)).expiration == expected


def test_credentials_repr_hides_secrets() -> None:
    creds = Credentials("AKID", "very-secret", "session-secret")
    assert "very-secret" not in repr(creds) and "session-secret" not in repr(creds)


def test_redact() -> None:
    text = (
        "url https://sts.x/?X-Amz-Credential=AKID%2F1&X-Amz-Security-Token=abc&X-Amz-Signature=ff "
        "token k8s-aws-v1.aHR0cHM6Ly9zdHM"
    )
    out = redact(text)
    for secret in ("AKID", "abc", "=ff", "aHR0cHM6Ly9zdHM"):
        assert secret not in out
    assert "k8s-aws-v1.REDACTED" in out and "X-Amz-Signature=REDACTED" in out


@pytest.mark.parametrize(
    "left", [timedelta(seconds=0), timedelta(seconds=30), timedelta(seconds=60)]
)
def test_credentials_expiring_within_a_minute_are_refused(left: timedelta) -> None:
    """Such a token would be dead (or nearly) before kubectl used it: refuse, name the cause."""
    from eks_tf_auth.errors import AwsError

    creds = Credentials(KAT_ACCESS_KEY, KAT_SECRET, "tok", KAT_TIME + left)
    endpoint = resolve_endpoint("us-west-2", settings())
    with pytest.raises(AwsError, match="expire within a minute") as caught:
        presign_token(creds, "c", endpoint, now=fixed(KAT_TIME))
    assert "aws sso login" in (caught.value.hint or "")


@pytest.mark.parametrize("left", [61, 75, 90])
def test_credentials_with_a_minute_and_more_left_cap_the_expiration(left: int) -> None:
    creds = Credentials(KAT_ACCESS_KEY, KAT_SECRET, "tok", KAT_TIME + timedelta(seconds=left))
    endpoint = resolve_endpoint("us-west-2", settings())
    token = presign_token(creds, "c", endpoint, now=fixed(KAT_TIME))
    assert token.expiration == KAT_TIME + timedelta(seconds=left - 60)


def test_decode_and_signed_at_read_a_token_back() -> None:
    from eks_tf_auth.token import TOKEN_VALIDITY, decode, format_time, signed_at

    creds = Credentials(KAT_ACCESS_KEY, KAT_SECRET)
    token = presign_token(
        creds, "c", resolve_endpoint("us-west-2", settings()), now=fixed(KAT_TIME)
    )
    url = decode(token.value)
    assert url is not None and url.startswith("https://sts.us-west-2.amazonaws.com/?Action=")
    assert signed_at(token.value) == KAT_TIME.replace(microsecond=0)
    assert token.expiration < KAT_TIME + TOKEN_VALIDITY
    assert format_time(KAT_TIME) == KAT_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    for broken in ("k8s-aws-v1.!!!", "not-a-token", "k8s-aws-v1." + "_w"):
        assert signed_at(broken) is None
    no_date = TOKEN_PREFIX + base64.urlsafe_b64encode(b"https://sts/?Action=x").decode()
    assert decode(no_date) == "https://sts/?Action=x" and signed_at(no_date) is None
    bad_date = TOKEN_PREFIX + base64.urlsafe_b64encode(b"https://sts/?X-Amz-Date=2026").decode()
    assert signed_at(bad_date) is None
