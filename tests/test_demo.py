"""`make demo` works: kubectl authenticates through eks-tf-auth exec, and lint flags and fixes the
legacy example."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.tools import clean_env, require_tool, with_bin_on_path

pytestmark = pytest.mark.real

ROOT = Path(__file__).resolve().parent.parent


def test_demo(tmp_path: Path) -> None:
    require_tool("kubectl")
    proc = subprocess.run(
        [sys.executable, "-m", "demo"],
        cwd=ROOT,
        env=with_bin_on_path(clean_env(os.environ, HOME=str(tmp_path))),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Username    arn:aws:iam::123456789012:user/demo" in proc.stdout
    assert "authenticated as arn:aws:iam::123456789012:user/demo" in proc.stdout
    assert "main.tf:20:3: ETA001" in proc.stdout and "+  exec {" in proc.stdout
    assert "k8s-aws-v1." not in proc.stdout + proc.stderr  # the token never shows
