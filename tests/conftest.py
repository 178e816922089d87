"""Fixtures only; the helpers they use live in tests/support/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import tools
from tests.support.aws import (
    MOTO_CLUSTER,
    TEST_ACCESS_KEY,
    TEST_SECRET,
    AwsEnv,
    moto_cluster_ca,
)
from tests.support.tools import IN_CI, clean_env, free_port, real_tool, require_tool

REAL_FIXTURES = frozenset({"moto_url", "moto_cluster", "terraform_bin", "mirror", "wheel"})


@pytest.fixture(autouse=True)
def _current_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Lets tests.support.tools.real_tool see which test is running; a test that takes a
    fixture of a real tool must be marked too (checked here, not in those session fixtures,
    where a failure would be cached for every later test)."""
    tools._current.append(request.node)
    for name in sorted(REAL_FIXTURES & set(request.fixturenames)):
        real_tool(f"the {name} fixture")
    yield
    tools._current.pop()


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


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout built into a wheel with the venv's own setuptools: no package index."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("wheel")
    root = Path(__file__).resolve().parent.parent
    flags = ["-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out)]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *flags, str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    [built] = out.glob("eks_tf_auth-*.whl")
    return built
