"""The one "which cluster, as whom" seam: the request record checks its values once, the resolver
picks the region, STS endpoint and credentials, and every command goes through it."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from eks_tf_auth import cli, identity
from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.errors import InputError
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv
from tests.support.verifier import verify_token

ROLE = "arn:aws:iam::123456789012:role/deploy"
CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
ENDPOINT = "https://ABCDEF0123456789.gr7.eu-central-1.eks.amazonaws.com"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cluster_name": "a b"}, "invalid cluster name"),
        ({"cluster_id": "not a name!"}, "invalid cluster id"),
        ({"region": "mars-1"}, "invalid region"),
        ({"role_arn": "arn:aws:iam::1:role/x"}, "invalid role ARN"),
        ({"role_arn": ROLE, "external_id": "x"}, "invalid --external-id"),
        ({"role_arn": ROLE, "session_name": "a b"}, "invalid --session-name"),
        ({"external_id": "shared-secret"}, "needs a role ARN"),
        ({"session_name": "me"}, "needs a role ARN"),
    ],
)
def test_a_request_is_checked_when_it_is_built(fields: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        identity.ClusterRequest(**fields)
    assert caught.value.hint
    assert "shared-secret" not in str(caught.value)


def test_the_token_is_bound_to_the_outposts_id_else_the_name() -> None:
    ident = "0d2f6c3e-1a2b-4c5d-8e9f-0123456789ab"
    assert identity.ClusterRequest(cluster_name="edge", cluster_id=ident).token_cluster == ident
    assert identity.ClusterRequest(cluster_name="edge").token_cluster == "edge"
    with pytest.raises(InputError, match="no cluster given"):
        _ = identity.ClusterRequest(region="eu-west-1").token_cluster


def write_profile(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    aws_env.config_file.write_text(f"[profile dev]\nregion = {region}\n")
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_PROFILE", "dev")


def test_the_region_comes_from_the_request_else_the_environment_else_the_profile(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profile(aws_env, monkeypatch, "eu-central-1")
    env = {**aws_env.env, "AWS_PROFILE": "dev"}
    del env["AWS_REGION"]
    assert identity.region(identity.ClusterRequest(region="us-east-2"), env) == "us-east-2"
    assert identity.region(identity.ClusterRequest(), env) == "eu-central-1"
    assert identity.region(identity.ClusterRequest(), {**env, "AWS_REGION": "ap-south-1"}) == (
        "ap-south-1"
    )
    resolved = identity.resolve(identity.ClusterRequest(cluster_name="c"), env)
    assert (resolved.region, resolved.sts.host) == (
        "eu-central-1",
        "sts.eu-central-1.amazonaws.com",
    )


def test_a_request_with_a_region_reads_no_config_file(aws_env: AwsEnv) -> None:
    aws_env.config_file.write_text("[broken\n")
    assert identity.region(identity.ClusterRequest(region="eu-west-1"), aws_env.env) == "eu-west-1"
    with pytest.raises(InputError, match="cannot read the AWS config file"):
        identity.region(identity.ClusterRequest(), {**aws_env.env, "AWS_REGION": ""})


def test_a_bad_region_in_the_profile_is_an_input_error(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profile(aws_env, monkeypatch, "moon-base-1x")
    env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"} | {"AWS_PROFILE": "dev"}
    for lookup in (identity.region, identity.resolve):
        with pytest.raises(InputError, match="invalid region 'moon-base-1x'"):
            lookup(identity.ClusterRequest(cluster_name="c"), env)


def test_no_region_anywhere(aws_env: AwsEnv) -> None:
    env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"}
    with pytest.raises(InputError, match="no region given for cluster 'c'") as caught:
        identity.resolve(identity.ClusterRequest(cluster_name="c"), env)
    assert "AWS_REGION" in (caught.value.hint or "")
    with pytest.raises(InputError, match=r"^no region given$"):
        identity.region(identity.ClusterRequest(), env)


def test_credentials_without_assume_ignore_the_role(aws_env: AwsEnv) -> None:
    request = identity.ClusterRequest(cluster_name="c", region="eu-west-1", role_arn=ROLE)
    resolved = identity.resolve(request, aws_env.env)
    found = identity.credentials(resolved, aws_env.env, assume=False)
    assert found == Credentials(TEST_ACCESS_KEY, TEST_SECRET)


def test_get_token_from_the_library_verifies(aws_env: AwsEnv) -> None:
    token = identity.get_token("prod", region="eu-west-1", environ=aws_env.env)
    verified = verify_token(
        token.value,
        cluster_id="prod",
        secrets={TEST_ACCESS_KEY: TEST_SECRET},
        now=datetime.now(timezone.utc),
    )
    assert verified.region == "eu-west-1"
    assert token.expiration.tzinfo is not None
    assert 13 * 60 < (token.expiration - verified.signed_at).total_seconds() <= 14 * 60


# --- every command resolves through the seam -------------------------------------------------


def spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[identity.ClusterRequest]:
    """Record every request that reaches identity.`name`, then let it run."""
    seen: list[identity.ClusterRequest] = []
    real: Callable[..., Any] = getattr(identity, name)

    def recording(request: identity.ClusterRequest, *args: Any, **kwargs: Any) -> Any:
        seen.append(request)
        return real(request, *args, **kwargs)

    monkeypatch.setattr(identity, name, recording)
    return seen


def test_exec_resolves_through_the_seam(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = spy(monkeypatch, "resolve")
    assert cli.main(["exec", "--cluster-name", "prod", "--no-cache"]) == 0
    assert [r.cluster_name for r in seen] == ["prod"]
    assert json.loads(capsys.readouterr().out)["kind"] == "ExecCredential"


def test_external_resolves_through_the_seam(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eks_tf_auth import external

    seen = spy(monkeypatch, "resolve")
    found: list[str] = []

    def describe_cluster(
        profile: str | None, creds: Credentials, *, name: str, region: str, environ: object
    ) -> Any:
        found.append(region)
        raise InputError("stop here")

    monkeypatch.setattr("eks_tf_auth.aws.eks.describe_cluster", describe_cluster)
    with pytest.raises(InputError, match="stop here"):
        external.describe(external.parse_query('{"cluster_name": "prod"}'), aws_env.env)
    assert [r.cluster_name for r in seen] == ["prod"] and found == ["us-west-2"]


def test_the_three_render_commands_take_the_profiles_region(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_profile(aws_env, monkeypatch, "eu-central-1")
    seen = spy(monkeypatch, "region")
    argv = ["--cluster-name", "prod"]
    assert cli.main(["render", "provider", *argv, "--source", "data", "--provider", "helm"]) == 0
    provider = capsys.readouterr().out
    assert '"--region", "eu-central-1"' in provider
    assert cli.main(["render", "kubeconfig", *argv, "--endpoint", ENDPOINT, "--ca-data", CA]) == 0
    kubeconfig = capsys.readouterr().out
    assert 'region: "eu-central-1"' in kubeconfig
    assert cli.main(["render", "atlantis", *argv, "--only", "repos.yaml"]) == 0
    atlantis = capsys.readouterr().out
    assert "--cluster-name prod --region eu-central-1" in atlantis
    assert len(seen) == 3


def test_exec_takes_the_profiles_region_too(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_profile(aws_env, monkeypatch, "eu-central-1")
    assert cli.main(["exec", "--cluster-name", "prod", "--no-cache"]) == 0
    token = json.loads(capsys.readouterr().out)["status"]["token"]
    url = base64.urlsafe_b64decode(token[len("k8s-aws-v1.") :] + "==").decode()
    assert url.startswith("https://sts.eu-central-1.amazonaws.com/")


def test_the_request_repr_hides_the_external_id(tmp_path: Path) -> None:
    request = identity.ClusterRequest(cluster_name="c", role_arn=ROLE, external_id="SECRET-ID-9")
    assert "SECRET-ID-9" not in repr(request)
