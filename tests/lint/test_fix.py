"""--fix: each fixable finding is rewritten, everything else survives and each finding left is
listed with its reason (exit 1); every result parses, is `terraform fmt` clean and re-lints to
exactly what was listed; running it again changes nothing.

The cases in fixes/<case>/ are the shapes met in real repositories, each an `in/` tree, the `out/`
tree --fix makes of it, and UNFIXED, the lines it prints for what it leaves."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import hcl2
import pytest

from eks_tf_auth import cli
from eks_tf_auth.lint import engine, fix
from tests.support.terraform import fmt_check
from tests.support.tools import require_tool
from tests.support.trees import write

FIXTURES = Path(__file__).parent / "fixtures"
CASES = Path(__file__).parent / "fixes"
ROOT = Path(__file__).resolve().parents[2]
AUTH = 'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'
PROVIDER = 'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n}\n'


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def unfixed_lines(case: Path) -> list[str]:
    listed = case / "UNFIXED"
    return listed.read_text().splitlines() if listed.is_file() else []


def parses(root: Path) -> None:
    for path in root.rglob("*.tf"):
        assert isinstance(hcl2.loads(path.read_text()), dict), path
    for path in root.rglob("*.tf.json"):
        assert isinstance(json.loads(path.read_text()), dict), path


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_fix_cases(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    shutil.copytree(CASES / case / "in", work)
    monkeypatch.chdir(work)
    listed = unfixed_lines(CASES / case)
    assert cli.main(["lint", "--fix", "."]) == (1 if listed else 0)
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if " not fixed: " in line] == listed
    assert tree(work) == tree(CASES / case / "out")
    parses(work)
    # Re-linted, exactly what --fix listed is left.
    left = engine.run([Path(".")], engine.Selection()).findings
    assert Counter((f.path, f.rule_id) for f in left) == Counter(
        (line.split(":")[0], line.split(" ")[1]) for line in listed
    )
    # And a second run has nothing more to do.
    assert cli.main(["lint", "--fix", "."]) == (1 if listed else 0)
    assert f"fixed 0 finding(s) in 0 file(s); {len(listed)} left" in capsys.readouterr().err
    assert tree(work) == tree(CASES / case / "out")


@pytest.mark.real
def test_every_fix_result_is_terraform_fmt_clean(tmp_path: Path) -> None:
    """The golden outputs, and what --fix makes of every rule's bad fixtures."""
    terraform = require_tool("terraform")
    proc = fmt_check(terraform, CASES, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    work = tmp_path / "work"
    for bad in sorted(FIXTURES.glob("*/bad")):
        shutil.copytree(bad, work / bad.parent.name)
    shutil.copytree(ROOT / "examples" / "legacy-token", work / "legacy")
    fixes = fix.fix([work])
    fix.write(fixes.changes)
    assert len(fixes.changes) >= 10 and fixes.unfixed
    proc = fmt_check(terraform, work, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    parses(work)
    left = engine.run([work], engine.Selection()).findings
    assert Counter((f.path, f.rule_id) for f in left) == Counter(
        (u.finding.path, u.finding.rule_id) for u in fixes.unfixed
    )


def test_fix_keeps_every_comment_and_leaves_what_it_cannot_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "ETA001" / "bad", work / "bad")
    shutil.copytree(ROOT / "examples" / "legacy-token", work / "legacy")
    monkeypatch.chdir(work)
    before = {p: p.read_text() for p in work.rglob("*.tf*")}
    assert cli.main(["lint", "--fix", "--select", "ETA001", "."]) == 1  # unfixable ones remain
    err = capsys.readouterr().err
    assert "fixed 18 finding(s) in 12 file(s); 10 left" in err
    assert [line for line in err.splitlines() if line.startswith(("bad/child/", "bad/fun"))] == [
        "bad/child/modules/k8s/main.tf:6:3: ETA001 not fixed: the token comes through module "
        "input var.token, and this module does not know the cluster: give it the cluster name "
        "and an exec block by hand",
        "bad/functions/main.tf:18:3: ETA001 not fixed: data.aws_eks_cluster_auth.each has one "
        "token per instance (count or for_each)",
    ]
    legacy = (work / "legacy" / "main.tf").read_text()
    assert 'data "aws_eks_cluster_auth"' not in legacy  # dropped once unused
    assert (
        'args        = ["exec", "--cluster-name", var.cluster_name, "--region", var.region]'
        in legacy
    )
    for path, old in before.items():
        new = path.read_text()
        for line in old.splitlines():
            if line.lstrip().startswith("#"):
                assert line in new, f"{path}: comment lost: {line}"
    parses(work)
    assert (work / "bad" / "crossfile" / "data.tf").read_text() == ""  # emptied, not deleted


def test_diff_writes_nothing_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "examples" / "legacy-token", tmp_path / "legacy")
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "legacy" / "main.tf").read_text()
    assert cli.main(["lint", "--fix", "--diff", "legacy"]) == 1
    diff = capsys.readouterr().out
    assert diff.startswith("--- a/legacy/main.tf\n+++ b/legacy/main.tf\n")
    assert "-  token                  = data.aws_eks_cluster_auth.this.token" in diff
    assert (tmp_path / "legacy" / "main.tf").read_text() == before
    assert cli.main(["lint", "--fix", "legacy"]) == 0
    assert cli.main(["lint", "--fix", "--diff", "legacy"]) == 0
    assert capsys.readouterr().out == ""


def test_diff_exits_1_with_reasons_when_only_unfixable_findings_are_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, --fix --diff printed nothing and exited 0 for what it silently skipped."""
    shutil.copytree(CASES / "unfixable" / "in", tmp_path / "x")
    monkeypatch.chdir(tmp_path / "x")
    assert cli.main(["lint", "--fix", "--diff", "."]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert [line for line in captured.err.splitlines() if "not fixed" in line] == unfixed_lines(
        CASES / "unfixable"
    )
    assert cli.main(["lint", "--fix", "--diff", "--select", "ETA003", "."]) == 0
    assert (
        cli.main(["lint", "--fix", "--diff", "--fail-on", "error", "--select", "ETA002", "."]) == 0
    )
    assert "ETA002 not fixed" in capsys.readouterr().err  # listed, but below the gate


def test_fix_given_the_provider_file_removes_the_data_source_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pre-commit's `lint --fix providers.tf`: the data source in data.tf goes too."""
    shutil.copytree(CASES / "crossfile-data" / "in", tmp_path / "stack")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lint", "--fix", "stack/providers.tf"]) == 0
    assert "fixed 2 finding(s) in 2 file(s); 0 left" in capsys.readouterr().err
    assert tree(tmp_path / "stack") == tree(CASES / "crossfile-data" / "out")


def test_only_what_lint_reports_is_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Suppressed findings, rules not selected and the files beside a file given are left."""
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "a/main.tf",
        AUTH + PROVIDER.replace(".token\n", ".token # eks-tf-auth:ignore ETA001 later\n"),
    )
    write(tmp_path, "b/main.tf", AUTH)
    write(
        tmp_path,
        "b/other.tf",
        'provider "kubernetes" {\n  exec {\n'
        '    api_version = "client.authentication.k8s.io/v1alpha1"\n  }\n}\n',
    )
    fixes = fix.fix([Path("a"), Path("b/main.tf")])
    assert fixes.changes and [c.path.as_posix() for c in fixes.changes] == ["b/main.tf"]  # ETA003
    assert fixes.fixed[0].rule_id == "ETA003" and fixes.unfixed == ()
    only = fix.fix([Path("b")], selection=engine.Selection(select=("ETA004",)))
    assert [c.path.as_posix() for c in only.changes] == ["b/other.tf"]
    assert "v1beta1" in only.changes[0].new


EPHEMERAL_VERSIONS = """\
terraform {
  required_version = "%s"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "%s"
    }
  }
}
"""


def test_fix_ephemeral(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "examples" / "legacy-token", tmp_path / "legacy")
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    # The example asks for Terraform >= 1.3 and aws >= 5.0: not enough for the ephemeral resource.
    assert cli.main(["lint", "--fix=ephemeral", "legacy"]) == 1
    assert tree(tmp_path) == before
    assert (
        "legacy/main.tf:20:3: ETA001 not fixed: --fix=ephemeral needs Terraform >= 1.10.0 "
        '(required_version = ">= 1.10.0") and the aws provider >= 5.84.0 (version = ">= 5.84.0"), '
        "which the version constraints do not guarantee"
    ) in capsys.readouterr().err
    with (tmp_path / "legacy" / "main.tf").open("a") as main:
        main.write("\n" + EPHEMERAL_VERSIONS % (">= 1.10", "~> 5.84"))
    assert cli.main(["lint", "--fix=ephemeral", "legacy"]) == 0
    text = (tmp_path / "legacy" / "main.tf").read_text()
    assert 'ephemeral "aws_eks_cluster_auth" "this" {' in text
    assert "token                  = ephemeral.aws_eks_cluster_auth.this.token" in text
    assert "data.aws_eks_cluster_auth" not in text


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({}, "Terraform >= 1.10.0 (required_version"),  # no constraints at all
        ({"main.tf": EPHEMERAL_VERSIONS % (">= 1.9", ">= 5.84.0")}, "Terraform >= 1.10.0"),
        ({"main.tf": EPHEMERAL_VERSIONS % ("> 1.9", ">= 5.84.0")}, "Terraform >= 1.10.0"),
        ({"main.tf": EPHEMERAL_VERSIONS % (">= 1.10.0-beta1", ">= 5.84")}, "Terraform"),
        ({"main.tf": EPHEMERAL_VERSIONS % (">= 1.10", ">= 5.83, != 5.83.1")}, "the aws provider"),
        ({"main.tf": 'terraform {\n  required_version = ">= 1.10"\n}\n'}, "the aws provider"),
        (
            {
                "main.tf": 'terraform {\n  required_version = ">= 1.10"\n'
                '  required_providers {\n    kubernetes = ">= 2.0"\n  }\n}\n'
            },
            "the aws provider",
        ),
        (
            {
                "main.tf": EPHEMERAL_VERSIONS % (">= 1.10", ">= 5.84"),
                "extra.tofu": "locals {}\n",  # OpenTofu reads this module: it needs 1.11
            },
            "OpenTofu >= 1.11.0",
        ),
        (
            {"main.tf": EPHEMERAL_VERSIONS % ("${var.v}", "${var.v}")},  # not a constraint
            "Terraform >= 1.10.0",
        ),
        ({"main.tf": EPHEMERAL_VERSIONS % ("1.x", ">= 5.84")}, "Terraform"),  # unreadable
    ],
    ids=[
        "none",
        "older",
        "above-1.9",
        "pre-release",
        "aws-older",
        "no-aws",
        "other-providers",
        "tofu",
        "expr",
        "typo",
    ],
)
def test_fix_ephemeral_refuses_without_version_guarantees(
    files: dict[str, str], reason: str, tmp_path: Path
) -> None:
    write(tmp_path, "main.tf", AUTH + PROVIDER + files.pop("main.tf", ""))
    for name, text in files.items():
        write(tmp_path, name, text)
    fixes = fix.fix([tmp_path], mode="ephemeral")
    [unfixed] = fixes.unfixed
    assert unfixed.reason.startswith(f"--fix=ephemeral needs {reason}"), unfixed.reason
    assert fixes.changes == ()


@pytest.mark.parametrize(
    "files",
    [
        {"main.tf": EPHEMERAL_VERSIONS % (">= 1.10.0", ">= 5.84.0")},
        {"main.tf": EPHEMERAL_VERSIONS % ("~> 1.10", "~> 5.84")},
        {  # several terraform blocks and the old string form intersect
            "main.tf": 'terraform {\n  required_version = ">= 1.3"\n}\n'
            'terraform {\n  required_version = ">= 1.10, < 2.0"\n'
            '  required_providers {\n    aws = ">= 5.90"\n  }\n}\n',
        },
        {"main.tf": EPHEMERAL_VERSIONS % (">= 1.11", ">= 6.0"), "x.tofu": "locals {}\n"},
        {
            "provider.tf.json": json.dumps(
                {
                    "terraform": {
                        "required_version": ">= 1.10",
                        "required_providers": {"aws": {"version": ">= 5.84"}},
                    },
                    "provider": {"aws": {"region": "eu-west-1"}},
                }
            )
        },
    ],
    ids=["plain", "pessimistic", "intersect", "tofu", "json"],
)
def test_fix_ephemeral_with_version_guarantees(files: dict[str, str], tmp_path: Path) -> None:
    write(tmp_path, "main.tf", AUTH + PROVIDER + files.pop("main.tf", ""))
    for name, text in files.items():
        write(tmp_path, name, text)
    fixes = fix.fix([tmp_path], mode="ephemeral")
    assert fixes.unfixed == ()
    [change] = fixes.changes
    assert change.new.startswith('ephemeral "aws_eks_cluster_auth" "a" {')


def test_fix_ephemeral_takes_the_callers_constraints(tmp_path: Path) -> None:
    """Terraform intersects every module's constraints: the root's guarantee holds in a child."""
    write(
        tmp_path,
        "main.tf",
        'module "k8s" {\n  source = "./k8s"\n}\n'
        + AUTH
        + PROVIDER
        + EPHEMERAL_VERSIONS % (">= 1.10", ">= 5.84"),
    )
    write(tmp_path, "k8s/main.tf", AUTH + PROVIDER)
    fixes = fix.fix([tmp_path], mode="ephemeral")
    assert fixes.unfixed == ()
    assert [c.path.relative_to(tmp_path).as_posix() for c in fixes.changes] == [
        "k8s/main.tf",
        "main.tf",
    ]
    only_child = fix.fix([tmp_path / "k8s"], mode="ephemeral")
    assert only_child.changes == () and "Terraform >= 1.10.0" in only_child.unfixed[0].reason


def test_ephemeral_leaves_stored_tokens_and_json_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES / "ETA002" / "bad", tmp_path / "x")
    write(tmp_path, "x/provider.tf", PROVIDER.replace(".a.", ".this."))
    shutil.copytree(CASES / "json" / "in", tmp_path / "j")
    before = tree(tmp_path)
    assert cli.main(["lint", "--fix=ephemeral", "--select", "ETA001", "x", "j"]) == 1
    assert tree(tmp_path) == before  # outputs cannot hold ephemeral values
    err = capsys.readouterr().err
    assert "j/main.tf.json:11:7: ETA001 not fixed: --fix=ephemeral does not rewrite .tf.json" in err
    assert (
        "x/provider.tf:2:3: ETA001 not fixed: data.aws_eks_cluster_auth.this is also used by "
        "output.token, which cannot hold an ephemeral value" in err
    )


def test_fix_keeps_exec_drops_the_token_and_skips_aliased_aws(tmp_path: Path) -> None:
    write(
        tmp_path,
        "main.tf",
        'provider "aws" {\n  alias  = "other"\n  region = "eu-west-1"\n}\n\n'
        + AUTH
        + '\nprovider "kubernetes" {\n  host  = "h"\n  token = data.aws_eks_cluster_auth.a.token\n'
        '  exec {\n    command = "eks-tf-auth"\n  }\n}\n',
    )
    [change] = fix.fix([tmp_path]).changes
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
    [change] = fix.fix([tmp_path / "main.tf"]).changes
    assert 'args        = ["exec", "--cluster-name", "c"]' in change.new


def test_fix_writes_through_a_symlink_and_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shared = write(tmp_path, "shared/providers.tf", AUTH + PROVIDER)
    shared.chmod(0o640)
    (tmp_path / "stack").mkdir()
    (tmp_path / "stack" / "providers.tf").symlink_to("../shared/providers.tf")
    assert cli.main(["lint", "--fix", "stack/providers.tf"]) == 0
    assert "fixed 1 finding(s) in 1 file(s); 0 left" in capsys.readouterr().err
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


DYNAMIC = """\
provider "kubernetes" {
  token = var.on ? null : data.aws_eks_cluster_auth.a.token

  dynamic "exec" {
    for_each = var.on ? [1] : []
    content {
      command = "eks-tf-auth"
      %s
    }
  }
}
"""


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (
            {"main.tf": 'data "aws_eks_cluster_auth" "a" {}\n' + PROVIDER},
            "data.aws_eks_cluster_auth.a has no name argument",
        ),
        ({"main.tf": AUTH + DYNAMIC % "args = [exec.key]"}, "the dynamic exec block uses"),
        (
            {
                "main.tf.json": json.dumps(
                    {
                        "data": {"aws_eks_cluster_auth": {"a": {"name": "c"}}},
                        "provider": {
                            "kubernetes": {
                                "token": "${var.on ? null : data.aws_eks_cluster_auth.a.token}",
                                "dynamic": {
                                    "exec": {
                                        "for_each": "${var.on ? [1] : []}",
                                        "content": {"command": "eks-tf-auth"},
                                    }
                                },
                            }
                        },
                    }
                )
            },
            "a dynamic exec block in .tf.json",
        ),
    ],
    ids=["no-name", "iterator", "json-dynamic"],
)
def test_what_the_cluster_auth_fix_leaves(
    files: dict[str, str], reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        write(tmp_path, name, text)
    fixes = fix.fix([Path(".")])
    assert [u.finding.rule_id for u in fixes.unfixed] == ["ETA001"]
    assert fixes.unfixed[0].reason.startswith(reason)
    assert fixes.changes == () and fixes.exit_code == 1


def test_a_blank_line_in_a_dynamic_exec_block_stays_blank(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", AUTH + DYNAMIC.replace("      %s\n", "\n"))
    [change] = fix.fix([tmp_path]).changes
    assert change.new == (
        'provider "kubernetes" {\n\n  exec {\n    command = "eks-tf-auth"\n\n  }\n}\n'
    )


def test_a_token_and_exec_with_an_undeclared_data_source(tmp_path: Path) -> None:
    """The token goes (ETA001 and ETA005 alike); there is no data source to remove."""
    write(
        tmp_path,
        "main.tf",
        'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.missing.token\n'
        '  exec {\n    command = "eks-tf-auth"\n  }\n}\n',
    )
    fixes = fix.fix([tmp_path])
    assert sorted(f.rule_id for f in fixes.fixed) == ["ETA001", "ETA005"]
    assert (
        fixes.changes[0].new
        == 'provider "kubernetes" {\n  exec {\n    command = "eks-tf-auth"\n  }\n}\n'
    )


def test_nothing_is_removed_from_a_module_with_a_file_lint_could_not_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "data.tf", AUTH + 'data "aws_eks_cluster_auth" "unused" {\n  name = "u"\n}\n')
    write(tmp_path, "providers.tf", PROVIDER)
    write(tmp_path, "broken.tf", "locals {\n  t = data.aws_eks_cluster_auth.a.token\n")
    fixes = fix.fix([Path(".")])
    assert [c.path.as_posix() for c in fixes.changes] == ["providers.tf"]  # data.tf is kept
    assert [(u.finding.rule_id, u.reason) for u in fixes.unfixed] == [
        ("ETA003", "broken.tf could not be parsed and may use it")
    ]
    assert fixes.exit_code == 2  # and the file is a problem


def test_diff_with_a_file_that_cannot_be_parsed_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "main.tf", 'provider "kubernetes" {\n  token = \n}\n# aws_eks_cluster_auth\n')
    assert cli.main(["lint", "--fix", "--diff", "."]) == 2


def test_ephemeral_through_a_local(tmp_path: Path) -> None:
    write(
        tmp_path,
        "main.tf",
        EPHEMERAL_VERSIONS % (">= 1.10", ">= 5.84")
        + AUTH
        + "locals {\n  t = data.aws_eks_cluster_auth.a.token\n}\n"
        'provider "kubernetes" {\n  token = local.t\n}\n',
    )
    [change] = fix.fix([tmp_path], mode="ephemeral").changes
    assert change.new == EPHEMERAL_VERSIONS % (">= 1.10", ">= 5.84") + (
        'ephemeral "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'
        "locals {\n  t = ephemeral.aws_eks_cluster_auth.a.token\n}\n"
        'provider "kubernetes" {\n  token = local.t\n}\n'
    )


def test_fixes_that_stop_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "main.tf",
        'provider "helm" {\n  kubernetes = merge(local.k, { token = var.t, exec = local.e })\n}\n'
        'provider "kubernetes" {\n  exec {\n    command = "aws"\n'
        '    args    = values({ a = "eks", b = "get-token" })\n  }\n}\n',
    )
    write(
        tmp_path,
        "ca.tf.json",
        json.dumps(
            {
                "provider": {
                    "kubectl": {"cluster_ca_certificate": "x${var.certificate_authority_data}"}
                }
            }
        ),
    )
    fixes = fix.fix([Path(".")])
    assert sorted((u.finding.rule_id, u.reason) for u in fixes.unfixed) == [
        ("ETA005", "the kubernetes attribute is built by an expression: edit it by hand"),
        ("ETA007", '"get-token" is not in a list written out: add --output json by hand'),
        ("ETA009", 'the value is not one "${...}" interpolation: decode it by hand'),
    ]


def test_nothing_in_a_saved_plan_is_fixed(tmp_path: Path) -> None:
    from tests.lint.test_plans import saved_plan

    config = (
        AUTH
        + 'data "aws_eks_cluster_auth" "unused" {\n  name = "u"\n}\n'
        + 'provider "kubernetes" {\n  token = var.t\n'
        "  cluster_ca_certificate = var.certificate_authority_data\n"
        '  exec {\n    api_version = "client.authentication.k8s.io/v1alpha1"\n'
        '    command = "aws"\n    args = ["eks", "get-token"]\n  }\n}\n'
        'provider "kubernetes" {\n  alias = "a"\n  token = data.aws_eks_cluster_auth.a.token\n}\n'
    )
    saved_plan(tmp_path / "tfplan", {"tfplan": "", "tfconfig/m-/main.tf": config})
    fixes = fix.fix([tmp_path / "tfplan"])
    assert sorted(u.finding.rule_id for u in fixes.unfixed) == [
        "ETA001",
        "ETA003",
        "ETA004",
        "ETA005",
        "ETA007",
        "ETA009",
    ]
    assert {u.reason for u in fixes.unfixed} == {
        "inside a saved plan: fix the configuration and plan again"
    }
