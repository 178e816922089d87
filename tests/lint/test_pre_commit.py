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


def try_repo(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The hook on the staged files (pre-commit's default), or with `--all-files`."""
    return subprocess.run(
        [
            require_tool("pre-commit"),
            "try-repo",
            str(ROOT),
            "eks-tf-auth-lint",
            *args,
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
    failed = try_repo(repo, tmp_path, "--all-files")
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
    passed = try_repo(repo, tmp_path, "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_hook_on_a_commit_that_stages_only_the_provider_file(tmp_path: Path) -> None:
    """pre-commit passes only the staged files: the data source is declared in data.tf, committed
    before, and the commit stages providers.tf alone. The hook still sees the flow, and reports
    the staged file only (data.tf's unused second data source is not this commit's business)."""
    repo = tmp_path / "infra"
    repo.mkdir()
    (repo / "data.tf").write_text(
        'data "aws_eks_cluster_auth" "this" {\n  name = var.cluster_name\n}\n\n'
        'data "aws_eks_cluster_auth" "unused" {\n  name = var.cluster_name\n}\n\n'
        "locals {\n  token = data.aws_eks_cluster_auth.this.token\n}\n"
    )
    git(repo, "init", "-q")
    git(repo, "add", "data.tf")
    git(repo, "commit", "-qm", "the data source")
    (repo / "providers.tf").write_text(
        'provider "kubernetes" {\n  host  = var.host\n  token = local.token\n}\n'
    )
    git(repo, "add", "providers.tf")
    failed = try_repo(repo, tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "providers.tf:3:3: ETA001" in failed.stdout
    assert "data.tf" not in failed.stdout.split("- hook id")[-1]
