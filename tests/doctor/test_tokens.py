"""doctor/tokens.py: a token held against the authenticator's rules, and the cluster it is bound
to (re-signed with the same credentials)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from eks_tf_auth import identity
from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.doctor import tokens
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.token import TOKEN_PREFIX

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
CREDS = Credentials("ASIAR2TG44V6AS3ZZE7C", "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q", "session")


def mint(
    cluster: str = "prod", region: str = "us-west-2", creds: Credentials = CREDS, **env: str
) -> str:
    environ = {"AWS_CONFIG_FILE": "/nonexistent", **env}
    resolved = identity.resolve(ClusterRequest(cluster_name=cluster, region=region), environ)
    return identity.mint_token(resolved, creds, now=lambda: NOW).value


def token_of(url: str) -> str:
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def test_a_good_token() -> None:
    shape = tokens.inspect(mint(), "us-west-2")
    assert shape.problem is None and shape.host == "sts.us-west-2.amazonaws.com"
    assert shape.signed_at == NOW and shape.expires == 60 and shape.session
    assert tokens.bound_to(mint(), CREDS, "prod") is True
    assert tokens.bound_to(mint(), CREDS, "staging") is False


def test_the_global_endpoint_and_other_partitions() -> None:
    legacy = mint(AWS_STS_REGIONAL_ENDPOINTS="legacy")
    assert tokens.inspect(legacy, "us-west-2").problem is None
    china = mint(region="cn-north-1")
    assert tokens.inspect(china, "cn-north-1").problem is None
    found = tokens.inspect(china, "us-west-2").problem
    assert found is not None and "sts.REGION.amazonaws.com" in found
    assert tokens.inspect(legacy, None).problem is None
    fips = mint(AWS_USE_FIPS_ENDPOINT="true")
    assert tokens.inspect(fips, "us-west-2").problem is None


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("Bearer x", "does not start with k8s-aws-v1."),
        (TOKEN_PREFIX + "__4", "not base64url"),
        (token_of("https://[::1/x"), "not a URL"),
        (
            token_of("https://sts.us-west-2.amazonaws.com/x?Action=GetCallerIdentity"),
            "not an https://HOST/ URL",
        ),
        (
            token_of("https://sts.us-west-2.amazonaws.com/?Action=ListRoles"),
            "Action is not GetCallerIdentity",
        ),
        (
            token_of(
                "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host"
            ),
            "without x-k8s-aws-id",
        ),
        (
            token_of(
                "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity"
                "&X-Amz-SignedHeaders=host;x-k8s-aws-id&X-Amz-Credential=A/20250601/us-west-2/sts/aws4_request"
            ),
            "no readable X-Amz-Date",
        ),
        (
            token_of(
                "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity"
                "&X-Amz-SignedHeaders=host;x-k8s-aws-id&X-Amz-Date=20250601T120000Z"
            ),
            "no readable credential scope",
        ),
    ],
)
def test_broken_tokens(token: str, problem: str) -> None:
    found = tokens.inspect(token, "us-west-2").problem
    assert found is not None and problem in found, found


def test_a_token_without_a_region_anywhere() -> None:
    url = "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity"
    found = tokens.inspect(token_of(url), None).problem
    assert found is not None and "which EKS does not accept" in found


def test_what_cannot_be_told_about_binding() -> None:
    assert tokens.bound_to("Bearer x", CREDS, "prod") is None
    other = Credentials("AKIAOTHER", "x" * 40)
    assert tokens.bound_to(mint(creds=other), CREDS, "prod") is None
    unsessioned = Credentials(CREDS.access_key_id, CREDS.secret_access_key)
    assert tokens.bound_to(mint(creds=unsessioned), CREDS, "prod") is None
    odd = mint().replace(TOKEN_PREFIX, "")
    url = base64.urlsafe_b64decode(odd + "=" * (-len(odd) % 4)).decode()
    assert (
        tokens.bound_to(
            token_of(url.replace("X-Amz-Expires=60", "X-Amz-Expires=900")), CREDS, "prod"
        )
        is None
    )
