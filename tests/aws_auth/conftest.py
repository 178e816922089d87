"""Fixtures of the aws-auth tests: the EKS API double (HTTPS on 127.0.0.1, its own CA), the
aws-auth ConfigMap seeded in it, a kubeconfig pointing at it, DescribeCluster answered with it,
and a service-account directory for in-cluster targets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eks_tf_auth.aws.eks import Cluster
from tests.aws_auth.helpers import IDENTITIES, NAME, NS, SEED, kubeconfig_file, mint
from tests.support.aws import AwsEnv
from tests.support.eks_double import EksApiDouble


@pytest.fixture
def double() -> Iterator[EksApiDouble]:
    """The API double, with no aws-auth ConfigMap."""
    with EksApiDouble(cluster_id="prod", identities=IDENTITIES) as running:
        yield running


@pytest.fixture
def seeded(double: EksApiDouble) -> EksApiDouble:
    """The API double holding the seed aws-auth ConfigMap (version 2)."""
    double.put_configmap(NS, NAME, SEED)
    return double


@pytest.fixture
def kubeconfig(tmp_path: Path, double: EksApiDouble) -> Path:
    """A kubeconfig whose current context `eks` reaches the double with a static token."""
    return kubeconfig_file(tmp_path / "kubeconfig", double, {"token": mint()})


@pytest.fixture
def cli(aws_env: AwsEnv, kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commands' environment: KUBECONFIG names the double's kubeconfig, backups go to
    tmp_path/backups (returned)."""
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("EKS_TF_AUTH_BACKUP_DIR", str(tmp_path / "backups"))
    return tmp_path / "backups"


@pytest.fixture
def described(monkeypatch: pytest.MonkeyPatch, double: EksApiDouble) -> list[str]:
    """DescribeCluster answered with the double's endpoint and CA (moto does it for real in the
    `real` tests); the names described."""
    names: list[str] = []

    def describe(
        profile: str | None, credentials: object, *, name: str, region: str, environ: object
    ) -> Cluster:
        names.append(name)
        return Cluster(name, region, "ACTIVE", double.url, double.ca_data)

    monkeypatch.setattr("eks_tf_auth.aws.eks.describe_cluster", describe)
    return names


@pytest.fixture
def service_account(
    tmp_path: Path, double: EksApiDouble, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A pod's service-account directory (token, CA, namespace) that in_cluster_target reads
    instead of /var/run/secrets/...; the pod's environment (without AWS_ or KUBECONFIG)."""
    from eks_tf_auth.kube import client

    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text(mint() + "\n")
    (directory / "ca.crt").write_text(double.ca_pem)
    (directory / "namespace").write_text("kube-system\n")
    defaults = client.in_cluster_target.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "service_account_dir", str(directory))
    port = double.url.rsplit(":", 1)[1]
    return {
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": port,
        "HOME": str(tmp_path / "pod-home"),
    }
