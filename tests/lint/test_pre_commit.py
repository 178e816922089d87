"""The hook as a user gets it: `pre-commit try-repo` of this repository in a fresh git repo.

pre-commit builds the hook's environment with pip from this checkout; the test gives pip no index,
only the wheelhouse `make venv` downloaded, so it runs with no network at all."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.tools import BIN_DIR, require_tool

pytestmark = pytest.mark.real
ROOT = Path(__file__).resolve().parents[2]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


def wheelhouse() -> Path:
    found = BIN_DIR.parent / "wheelhouse"
    if not any(found.glob("botocore-*.whl")):
        pytest.fail(f"{found} has no wheels: run 'make venv' (it downloads them)")
    return found


def try_repo(cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            require_tool("pre-commit"),
            "try-repo",
            str(ROOT),
            "eks-tf-auth-lint",
            "--all-files",
            "--color",
            "never",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={
            "PATH": f"{BIN_DIR}:/usr/bin:/bin",
            "HOME": str(home),
            "PRE_COMMIT_HOME": str(home / "pre-commit"),
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(wheelhouse()),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        },
    )


def test_hook_fails_on_the_anti_pattern_and_passes_after_fix(tmp_path: Path) -> None:
    repo = tmp_path / "infra"
    shutil.copytree(ROOT / "examples" / "legacy-token", repo)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "legacy token")
    failed = try_repo(repo, tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "main.tf:20:3: ETA001" in failed.stdout
    fixed = subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), "lint", "--fix", "."],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    git(repo, "add", ".")
    passed = try_repo(repo, tmp_path)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
