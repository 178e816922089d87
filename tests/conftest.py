from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

# The known answer (aws-iam-authenticator's test vector).
KAT_ACCESS_KEY = "ASIAR2TG44V6AS3ZZE7C"
KAT_SECRET = "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q"
KAT_SIGNATURE = "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce"
TEST_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEST_ARN = "arn:aws:iam::123456789012:user/test"
IN_CI = os.environ.get("CI") == "true"
BIN_DIR = Path(sys.executable).parent


def require_tool(name: str) -> str:
    """The tool's path; a skip on a laptop without it, a failure under CI=true."""
    path = shutil.which(name) or (str(BIN_DIR / name) if (BIN_DIR / name).exists() else None)
    if path is None:
        message = f"{name} is not installed"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: the Makefile must install it)")
        pytest.skip(message)
    return path


def clean_env(base: Mapping[str, str], **overrides: str) -> dict[str, str]:
    """The process environment without any AWS_/KUBERNETES_/EKS_TF_AUTH_ variable."""
    env = {
        k: v for k, v in base.items() if not k.startswith(("AWS_", "KUBERNETES_", "EKS_TF_AUTH_"))
    }
    env.update(overrides)
    return env


@dataclass
class AwsEnv:
    env: dict[str, str]
    home: Path
    cache_dir: Path
    config_file: Path
    credentials_file: Path

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed console script, as kubectl and Terraform do."""
        return subprocess.run(
            [str(BIN_DIR / "eks-tf-auth"), *args],
            env=dict(env if env is not None else self.env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    """Static test credentials, private files, no instance metadata, an empty cache."""
    home = tmp_path / "home"
    home.mkdir()
    cache_dir = tmp_path / "cache"
    overrides = {
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": TEST_SECRET,
        "AWS_REGION": "us-west-2",
        "AWS_CONFIG_FILE": str(home / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "EKS_TF_AUTH_CACHE_DIR": str(cache_dir),
    }
    env = clean_env(os.environ, **overrides)
    for name in list(os.environ):
        if name.startswith(("AWS_", "KUBERNETES_", "EKS_TF_AUTH_")):
            monkeypatch.delenv(name)
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    return AwsEnv(env, home, cache_dir, home / "aws-config", home / "aws-credentials")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """moto's server on 127.0.0.1 in this process, so tests can read its backends."""
    server_mod = pytest.importorskip("moto.server") if not IN_CI else __import__("moto.server")
    from moto.server import ThreadedMotoServer

    del server_mod
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


MOTO_CLUSTER = "prod"


@pytest.fixture(scope="session")
def moto_cluster(moto_url: str) -> str:
    """An ACTIVE EKS cluster in moto (us-west-2), given a real PEM CA (moto's is random text)."""
    import boto3

    eks = boto3.client(
        "eks",
        region_name="us-west-2",
        endpoint_url=moto_url,
        aws_access_key_id=TEST_ACCESS_KEY,
        aws_secret_access_key=TEST_SECRET,
    )
    eks.create_cluster(
        name=MOTO_CLUSTER,
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": []},
    )
    moto_cluster_ca(MOTO_CLUSTER)
    return MOTO_CLUSTER


def moto_cluster_ca(name: str) -> None:
    """Give moto's cluster `name` a real PEM CA (moto's own is random text)."""
    from moto.eks.models import eks_backends

    from tests.support.eks_double import EksApiDouble

    ca_data = EksApiDouble(cluster_id=name, identities={}).ca_data
    for by_region in eks_backends.values():
        for backend in by_region.values():
            if name in backend.clusters:
                backend.clusters[name].certificate_authority = {"data": ca_data}


@dataclass(frozen=True)
class MotoSession:
    arn: str
    role_arn: str
    session_name: str
    external_id: str | None
    secret_access_key: str
    session_token: str


def moto_sessions() -> dict[str, MotoSession]:
    """Every role session moto has handed out, by access key id (moto runs in this process)."""
    from moto.sts.models import sts_backends

    found: dict[str, MotoSession] = {}
    for by_partition in list(sts_backends.values()):
        for backend in list(by_partition.values()):
            for role in backend.assumed_roles:
                found[role.access_key_id] = MotoSession(
                    role.arn,
                    role.role_arn,
                    role.session_name,
                    role.external_id,
                    role.secret_access_key,
                    role.session_token,
                )
    return found


def kubectl_binary(version: str | None = None) -> str:
    """kubectl, or one of the versioned binaries beside the one the dispatcher resolves to."""
    path = require_tool("kubectl")
    if version is None:
        return path
    versioned = Path(os.path.realpath(path)).parent / f"kubectl.{version}"
    if not versioned.exists():
        if IN_CI:
            pytest.fail(f"{versioned} is missing")
        pytest.skip(f"{versioned} is missing")
    return str(versioned)


def with_bin_on_path(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with this venv's bin first on PATH, so kubeconfigs can run plain `eks-tf-auth`."""
    return {**env, "PATH": f"{BIN_DIR}{os.pathsep}{env.get('PATH', os.defpath)}"}


def kubectl_whoami(kubeconfig: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`kubectl auth whoami` (1.33) through `kubeconfig`; stdout is the username alone."""
    return subprocess.run(
        [
            kubectl_binary("1.33"),
            "--kubeconfig",
            str(kubeconfig),
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    return require_tool("terraform")


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The image's hashicorp/aws provider mirror (a failure under CI=true when missing)."""
    from tests.support.terraform import find_mirror

    found = find_mirror()
    if found is None:
        message = "no hashicorp/aws provider mirror found (set EKS_TF_AUTH_TF_MIRROR)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found
