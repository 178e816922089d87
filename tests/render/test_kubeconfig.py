"""render kubeconfig: golden files read back by kubectl, kubectl authenticating through a rendered
kubeconfig, several clusters described from EKS (moto), describe_all's order and progress line,
hostile input and bad requests refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.render import kubeconfig
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.render import (
    CA,
    ENDPOINT,
    KUBECONFIG_CASES,
    assert_refused,
    check_golden,
    run_cli,
)
from tests.support.tools import kubectl_binary, with_bin_on_path


@pytest.mark.real
@pytest.mark.parametrize("case", list(KUBECONFIG_CASES))
def test_kubeconfig_golden_and_kubectl_view(
    case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = run_cli(["render", "kubeconfig", *KUBECONFIG_CASES[case]], capsys)
    check_golden(f"{case}.yaml", text)
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    proc = subprocess.run(
        [kubectl_binary("1.33"), "config", "view", "--kubeconfig", str(path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    viewed = json.loads(proc.stdout)
    assert viewed["users"][0]["user"]["exec"]["provideClusterInfo"] is True


@pytest.mark.real
@pytest.mark.parametrize(
    "api_version", ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
)
def test_rendered_kubeconfig_authenticates_kubectl(
    api_version: str, aws_env: AwsEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identities = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    with EksApiDouble(cluster_id="prod", identities=identities) as double:
        text = run_cli(
            [
                "render",
                "kubeconfig",
                "--cluster-name",
                "prod",
                "--region",
                "eu-west-1",
                "--endpoint",
                double.url.replace("127.0.0.1", "localhost"),
                "--ca-data",
                double.ca_data,
                "--api-version",
                api_version,
            ],
            capsys,
        )
        path = tmp_path / "kubeconfig"
        path.write_text(text)
        env = with_bin_on_path(aws_env.env)
        env.pop("AWS_REGION")  # the region comes from the kubeconfig's exec extension
        proc = subprocess.run(
            [kubectl_binary("1.33"), "--kubeconfig", str(path), "get", "namespaces", "-o", "name"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert "namespace/default" in proc.stdout
    assert {r.username for r in double.requests} == {TEST_ARN}


@pytest.mark.real
def test_describes_several_clusters_from_eks(
    aws_env: AwsEnv, moto_url: str, moto_cluster: str
) -> None:
    import boto3

    eks = boto3.client(
        "eks",
        region_name="us-west-2",
        endpoint_url=moto_url,
        aws_access_key_id=TEST_ACCESS_KEY,
        aws_secret_access_key=TEST_SECRET,
    )
    if "staging" not in eks.list_clusters()["clusters"]:
        eks.create_cluster(
            name="staging",
            roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": []},
        )
    from tests.support.aws import moto_cluster_ca

    moto_cluster_ca("staging")
    env = {**aws_env.env, "AWS_ENDPOINT_URL_EKS": moto_url, "AWS_ENDPOINT_URL_STS": moto_url}
    proc = aws_env.run(
        "render",
        "kubeconfig",
        "--cluster-name",
        "prod",
        "--cluster-name",
        "staging",
        "--region",
        "us-west-2",
        "--alias",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    doc = yaml.safe_load(proc.stdout)
    arns = [c["name"] for c in doc["clusters"]]
    assert arns == [
        "arn:aws:eks:us-west-2:123456789012:cluster/prod",
        "arn:aws:eks:us-west-2:123456789012:cluster/staging",
    ]
    assert [c["name"] for c in doc["contexts"]] == ["prod", "staging"]  # --alias
    assert doc["current-context"] == "prod"
    missing = aws_env.run(
        "render", "kubeconfig", "--cluster-name", "nope", "--region", "us-west-2", env=env
    )
    assert missing.returncode == 1
    assert "cluster 'nope' in us-west-2 not found" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [
        [
            "kubeconfig",
            "--cluster-name",
            "prod",
            "--cluster-name",
            "prod",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            CA,
        ],
        [
            "kubeconfig",
            "--cluster-name",
            "a",
            "--cluster-name",
            "b",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            CA,
        ],
        ["kubeconfig", "--cluster-name", "prod", "--region", "eu-west-1", "--endpoint", ENDPOINT],
        [
            "kubeconfig",
            "--cluster-name",
            "prod",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            "@@@",
        ],
        [
            "kubeconfig",
            "--cluster-name",
            "prod",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            CA,
            "--command",
            "aws",
            "--profile",
            "a\nb",
        ],
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


def test_kubeconfig_api_version_is_checked() -> None:
    with pytest.raises(InputError):
        kubeconfig.KubeconfigRequest(
            ("prod",), ClusterRequest(region="eu-west-1"), api_version="v9"
        )


def test_describe_all_keeps_order_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []

    def describe(name: str) -> kubeconfig.Cluster:
        return kubeconfig.Cluster(name, "eu-west-1", ENDPOINT, CA)

    found = kubeconfig.describe_all(
        describe, ["a", "b", "c"], progress=lambda d, t: seen.append((d, t))
    )
    assert [c.name for c in found] == ["a", "b", "c"]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_progress_line(capsys: pytest.CaptureFixture[str]) -> None:
    from eks_tf_auth.commands.render import _progress

    _progress(1, 2)
    _progress(2, 2)
    assert capsys.readouterr().err == "\rdescribing clusters: 1/2\rdescribing clusters: 2/2\n"


def test_kubeconfig_request_needs_a_cluster() -> None:
    with pytest.raises(InputError, match="no cluster given"):
        kubeconfig.KubeconfigRequest((), ClusterRequest(region="eu-west-1"))


def test_kubeconfig_needs_a_region(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_REGION")
    assert cli.main(["render", "kubeconfig", "--cluster-name", "prod"]) == 2
    assert "no region given" in capsys.readouterr().err
