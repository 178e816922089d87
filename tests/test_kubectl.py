"""Real kubectl runs `eks-tf-auth exec` as its exec plugin against a local HTTPS EKS API double
that verifies every token (signature recomputed from the known secret)."""

from __future__ import annotations

import json
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
) -> Path:
    exec_block: dict[str, object] = {
        "apiVersion": api_version,
        "command": str(BIN_DIR / "eks-tf-auth"),
        "args": ["exec", *args],
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


KUBECTL_VERSIONS = [f"1.{minor}" for minor in range(27, 34)]  # every kubectl.1.NN in the image


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
