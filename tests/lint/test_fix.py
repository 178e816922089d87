"""--fix: ETA001 providers become exec blocks; everything else survives; fmt-clean; idempotent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import hcl2
import pytest

from eks_tf_auth import cli
from eks_tf_auth.lint import engine, fix
from tests.support.terraform import fmt_check
from tests.support.tools import require_tool

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
AUTH = 'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "ETA001" / "bad", work / "bad")
    shutil.copytree(ROOT / "examples" / "legacy-token", work / "legacy")
    monkeypatch.chdir(work)
    return work


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def eta001(root: Path) -> set[str]:
    report = engine.run([root], engine.Selection(select=("ETA001",)))
    return {f"{f.path}:{f.line}" for f in report.findings}


def test_fix_rewrites_what_it_can_and_keeps_the_rest(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_text() for p in tree.rglob("*.tf*")}
    assert cli.main(["lint", "--fix", "--select", "ETA001", "."]) == 1  # unfixable ones remain
    assert "fixed 6 file(s)" in capsys.readouterr().err
    assert eta001(Path(".")) == {
        "bad/child/modules/k8s/main.tf:6",  # through a module input: out of scope for a fix
        "bad/functions/main.tf:17",  # the name is per instance (for_each)
        "bad/helm/main.tf:20",  # helm 3.x object syntax
        "bad/json/main.tf.json:6",  # JSON syntax
    }
    legacy = (tree / "legacy" / "main.tf").read_text()
    assert 'data "aws_eks_cluster_auth"' not in legacy  # dropped once unused
    assert (
        'args        = ["exec", "--cluster-name", var.cluster_name, "--region", var.region]'
        in legacy
    )
    assert legacy.startswith(before[tree / "legacy" / "main.tf"].split('data "aws_eks_cluster"')[0])
    for path, old in before.items():
        new = path.read_text()
        for line in old.splitlines():
            if line.lstrip().startswith("#"):
                assert line in new, f"{path}: comment lost: {line}"
        if path.suffix == ".tf":
            assert isinstance(hcl2.loads(new), dict)


@pytest.mark.real
def test_fixed_files_pass_terraform_fmt(tree: Path, tmp_path: Path) -> None:
    cli.main(["lint", "--fix", "."])
    proc = fmt_check(require_tool("terraform"), tree, tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_fix_is_idempotent_and_diff_writes_nothing(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (tree / "legacy" / "main.tf").read_text()
    assert cli.main(["lint", "--fix", "--diff", "legacy"]) == 1
    diff = capsys.readouterr().out
    assert diff.startswith("--- a/legacy/main.tf\n+++ b/legacy/main.tf\n")
    assert "-  token                  = data.aws_eks_cluster_auth.this.token" in diff
    assert (tree / "legacy" / "main.tf").read_text() == before
    cli.main(["lint", "--fix", "legacy"])
    once = (tree / "legacy" / "main.tf").read_text()
    assert cli.main(["lint", "--fix", "--diff", "legacy"]) == 0
    assert capsys.readouterr().out == ""
    cli.main(["lint", "--fix", "legacy"])
    assert (tree / "legacy" / "main.tf").read_text() == once


def test_fix_ephemeral(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint", "--fix=ephemeral", "legacy"]) == 0
    text = (tree / "legacy" / "main.tf").read_text()
    assert 'ephemeral "aws_eks_cluster_auth" "this" {' in text
    assert "token                  = ephemeral.aws_eks_cluster_auth.this.token" in text
    assert "data.aws_eks_cluster_auth" not in text


def test_ephemeral_leaves_stored_tokens_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES / "ETA002" / "bad", tmp_path / "x")
    before = (tmp_path / "x" / "main.tf").read_text()
    cli.main(["lint", "--fix=ephemeral", "x"])
    assert (
        tmp_path / "x" / "main.tf"
    ).read_text() == before  # outputs cannot hold ephemeral values


def test_fix_keeps_exec_and_drops_the_token_and_skips_aliased_aws(tmp_path: Path) -> None:
    write(
        tmp_path,
        "main.tf",
        'provider "aws" {\n  alias  = "other"\n  region = "eu-west-1"\n}\n\n'
        + AUTH
        + '\nprovider "kubernetes" {\n  host  = "h"\n  token = data.aws_eks_cluster_auth.a.token\n'
        '  exec {\n    command = "eks-tf-auth"\n  }\n}\n',
    )
    [change] = fix.fix([tmp_path])
    assert "token" not in change.new and 'command = "eks-tf-auth"' in change.new
    assert '  host = "h"\n' in change.new and "aws_eks_cluster_auth" not in change.new
    assert '"--region"' not in change.new


def test_fix_without_a_region_and_odd_neighbours(tmp_path: Path) -> None:
    write(
        tmp_path,
        "main.tf",
        'provider "aws" {}\n' + AUTH + 'module "q" {\n  source = "./quiet"\n}\n'
        'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n'
        '  dynamic "ignored" {\n    for_each = []\n    content {}\n  }\n}\n',
    )
    write(tmp_path, "quiet/main.tf", 'resource "x" "y" {}\n')
    [change] = fix.fix([tmp_path / "main.tf"])
    assert 'args        = ["exec", "--cluster-name", "c"]' in change.new


def test_fix_writes_through_a_symlink_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shared = write(
        tmp_path,
        "shared/providers.tf",
        AUTH + 'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n}\n',
    )
    shared.chmod(0o640)
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "providers.tf").symlink_to("../shared/providers.tf")
    assert cli.main(["lint", "--fix", "stack/providers.tf"]) == 0
    assert "fixed 1 file(s)" in capsys.readouterr().err
    link = tmp_path / "stack" / "providers.tf"
    assert link.is_symlink() and os.readlink(link) == "../shared/providers.tf"
    assert 'command     = "eks-tf-auth"' in shared.read_text()
    assert shared.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["providers.tf"]


@pytest.mark.parametrize("given", ["-", "pipe", "/dev/null"])
def test_fix_refuses_what_it_cannot_rewrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe")
    assert cli.main(["lint", "--fix", given]) == 2
    assert f"error: --fix rewrites files, and {given} is not a file or directory" in (
        capsys.readouterr().err
    )
