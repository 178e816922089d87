"""render provider: golden files for every case, terraform fmt and python-hcl2 on every snippet,
every source x helm syntax fmt-clean, hostile input and bad requests refused."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import hcl2
import pytest

from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.render.providers import ProviderRequest, Source, render_providers
from tests.support.aws import AwsEnv
from tests.support.render import CA, ENDPOINT, ROLE, assert_refused, check_golden, run_cli
from tests.support.terraform import fmt_check
from tests.support.tools import require_tool

PROVIDER_CASES: dict[str, list[str]] = {
    "provider-module": ["--cluster-name", "prod"],
    "provider-module-full": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--role-arn",
        ROLE,
        "--profile",
        "ci",
        "--api-version",
        "client.authentication.k8s.io/v1",
    ],
    "provider-data": ["--cluster-name", "prod", "--region", "eu-west-1", "--source", "data"],
    "provider-literal-helm3": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--source",
        "literal",
        "--endpoint",
        ENDPOINT,
        "--ca-data",
        CA,
        "--provider",
        "helm",
        "--helm-syntax",
        "attribute",
    ],
    "provider-aws-cli-kubernetes": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--source",
        "data",
        "--command",
        "aws",
        "--role-arn",
        ROLE,
        "--provider",
        "kubernetes",
        "--alias",
        "prod",
    ],
}


@pytest.mark.real
@pytest.mark.parametrize("case", list(PROVIDER_CASES))
def test_provider_golden_fmt_and_hcl2(
    case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = run_cli(["render", "provider", *PROVIDER_CASES[case]], capsys)
    check_golden(f"{case}.tf", text)
    parsed = hcl2.loads(text)
    assert parsed["provider"], parsed
    path = tmp_path / "main.tf"
    path.write_text(text)
    proc = fmt_check(require_tool("terraform"), path, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "v1alpha1" not in text
    assert not re.search(r"^\s*token\s*=", text, re.M)  # exec only, never a static token


@pytest.mark.real
@pytest.mark.parametrize("source", list(Source))
@pytest.mark.parametrize("helm", ["block", "attribute"])
def test_every_provider_combination_is_fmt_clean(source: Source, helm: str, tmp_path: Path) -> None:
    text = render_providers(
        ProviderRequest(
            ClusterRequest(cluster_name="prod", region="eu-west-1", role_arn=ROLE, profile="ci"),
            source=source,
            helm_syntax=helm,
            endpoint=ENDPOINT,
            ca_data=CA,
        )
    )
    labels = [next(iter(block)).strip('"') for block in hcl2.loads(text)["provider"]]
    assert labels == ["kubernetes", "helm", "kubectl"]
    path = tmp_path / "main.tf"
    path.write_text(text)
    proc = fmt_check(require_tool("terraform"), path, tmp_path)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["provider", "--cluster-name", 'prod" {}\nprovider "x'],
        ["provider", "--cluster-name", "prod", "--region", "eu-west-1\n"],
        ["provider", "--cluster-name", "prod", "--role-arn", 'arn:aws:iam::123456789012:role/x"'],
        ["provider", "--cluster-name", "prod", "--profile", "ci ${evil}"],
        ["provider", "--cluster-name", "prod", "--alias", "a b"],
        ["provider", "--cluster-name", "prod", "--command", "eks-tf-auth\nrm -rf /"],
        ["provider", "--cluster-name", "prod", "--source", "literal", "--region", "eu-west-1"],
        [
            "provider",
            "--cluster-name",
            "prod",
            "--source",
            "literal",
            "--region",
            "eu-west-1",
            "--endpoint",
            'https://x" , y',
            "--ca-data",
            CA,
        ],
        [
            "provider",
            "--cluster-name",
            "prod",
            "--source",
            "literal",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            base64.b64encode(b"not a cert").decode(),
        ],
        ["provider", "--cluster-name", "prod", "--source", "data"],
    ],
)
def test_hostile_input_is_an_error_not_a_snippet(
    args: list[str],
    aws_env: AwsEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION")
    assert_refused(["render", *args], capsys)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"providers": ("kubernetes", "nomad")}, "unknown provider"),
        ({"providers": ()}, "none given"),
        ({"helm_syntax": "yaml"}, "unknown helm syntax"),
        ({"api_version": "client.authentication.k8s.io/v1alpha1"}, "removed in Kubernetes 1.24"),
        (
            {"api_version": "client.authentication.k8s.io/v2"},
            "unsupported ExecCredential apiVersion",
        ),
    ],
)
def test_provider_request_checks(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        render_providers(
            ProviderRequest(
                ClusterRequest(cluster_name="prod", region="eu-west-1"),
                **kwargs,  # type: ignore[arg-type]
            )
        )


def test_a_provider_request_needs_a_cluster_name() -> None:
    with pytest.raises(InputError, match="no cluster given"):
        ProviderRequest(ClusterRequest(region="eu-west-1"))


@pytest.mark.parametrize("source", [Source.DATA, Source.LITERAL])
def test_exec_arguments_need_a_region_outside_the_module(source: Source) -> None:
    """The library call without `with_region`: the region must be in the request."""
    request = ProviderRequest(
        ClusterRequest(cluster_name="prod"), source=source, endpoint=ENDPOINT, ca_data=CA
    )
    with pytest.raises(InputError, match="--region is needed with --source data or literal"):
        render_providers(request)
