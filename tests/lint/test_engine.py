from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from eks_tf_auth import cli
from eks_tf_auth.errors import InputError
from eks_tf_auth.lint import engine
from eks_tf_auth.lint import loader as loader_limits
from eks_tf_auth.lint.model import Problem
from eks_tf_auth.lint.rule import Severity
from tests.support.trees import write

BAD = """\
data "aws_eks_cluster_auth" "this" {
  name = "prod"
}

provider "kubernetes" {
  token = data.aws_eks_cluster_auth.this.token
}
"""


def test_suppression_on_the_line_or_above(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "a/main.tf",
        BAD.replace(".token\n", ".token # eks-tf-auth:ignore ETA001 migrating\n"),
    )
    write(
        tmp_path,
        "b/main.tf",
        BAD.replace("  token", "  # eks-tf-auth:ignore ETA002, ETA001 later\n  token"),
    )
    write(tmp_path, "c/main.tf", BAD.replace(".token\n", ".token # eks-tf-auth:ignore ETA005\n"))
    report = engine.run([Path(".")], engine.Selection())
    assert [(f.path, f.rule_id) for f in report.findings] == [("c/main.tf", "ETA001")]


MULTILINE = BAD.replace(
    "  token = data.aws_eks_cluster_auth.this.token\n",
    "  token = (\n    var.use_exec\n    ? null\n    : data.aws_eks_cluster_auth.this.token\n  )\n",
).replace("provider", 'variable "use_exec" {}\n\nprovider')


def test_suppression_above_a_multi_line_statement(tmp_path: Path) -> None:
    """The finding points at the token's own line, three lines into the attribute; a comment
    above the attribute still covers it."""
    ignored = MULTILINE.replace("  token", "  # eks-tf-auth:ignore ETA001\n  token")
    write(tmp_path, "a/main.tf", ignored)
    write(tmp_path, "b/main.tf", MULTILINE)
    report = engine.run([tmp_path], engine.Selection(), cwd=tmp_path)
    assert [(f.path, f.line, f.statement) for f in report.findings] == [("b/main.tf", 11, 8)]


def test_select_ignore_and_unknown_ids(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", BAD + 'data "aws_eks_cluster_auth" "unused" {\n  name = "x"\n}\n')
    both = engine.run([tmp_path], engine.Selection())
    assert {f.rule_id for f in both.findings} == {"ETA001", "ETA003"}
    only = engine.run([tmp_path], engine.Selection(select=("ETA003",)))
    assert {f.rule_id for f in only.findings} == {"ETA003"}
    skip = engine.run([tmp_path], engine.Selection(ignore=("ETA003",)))
    assert {f.rule_id for f in skip.findings} == {"ETA001"}
    with pytest.raises(InputError, match="unknown rule 'ETA999'"):
        engine.Selection(select=("ETA999",)).rules()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".eks-tf-auth.toml", '[lint]\nignore = ["ETA001"]\n'),
        ("pyproject.toml", '[tool.eks-tf-auth.lint]\nignore = ["ETA001"]\n'),
    ],
)
def test_config_files(tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path, name, text)
    assert engine.load_config(tmp_path) == engine.Selection((), ("ETA001",))
    merged = engine.merge(engine.load_config(tmp_path), ["ETA003"], ["ETA002"])
    assert merged == engine.Selection(("ETA003",), ("ETA001", "ETA002"))


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        (".eks-tf-auth.toml", b"[lint\n", "1:6: error: invalid TOML: Expected ']' at the end"),
        (".eks-tf-auth.toml", b"[lint]\nselect = ", "2:10: error: invalid TOML: Invalid value"),
        (".eks-tf-auth.toml", b"lint = 3\n", "1:1: error: the lint settings must be a table"),
        (".eks-tf-auth.toml", b'[lint]\nselect = "ETA001"\n', "1:1: error: lint.select must be"),
        (".eks-tf-auth.toml", b"\x7fELF\x02\x01\x01\x00\xff", "1:9: error: cannot read: not UTF-8"),
        ("pyproject.toml", b"\x00\x01binary", "1:1: error: invalid TOML: Invalid statement"),
    ],
)
def test_a_bad_config_is_a_problem_and_every_rule_still_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: bytes,
    problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(text)
    write(tmp_path, "main.tf", BAD)
    assert cli.main(["lint", "--ignore", "ETA003"]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("main.tf:6:3: ETA001")
    assert out[1].startswith(f"{name}:{problem}") and len(out) == 2


def test_a_config_that_is_not_a_file_is_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / ".eks-tf-auth.toml")
    write(tmp_path, "pyproject.toml", '[tool.eks-tf-auth.lint]\nignore = ["ETA001"]\n')
    assert engine.load_config(tmp_path) == engine.Selection((), ("ETA001",))


def test_a_config_over_a_mebibyte_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, ".eks-tf-auth.toml", "# " + "x" * (1 << 20))
    [problem] = engine.load_config(tmp_path).problems
    assert problem == Problem(".eks-tf-auth.toml", 1, 1, "larger than the 1 MiB limit; not read")


def test_pyproject_without_our_table(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    assert engine.load_config(tmp_path) == engine.Selection()


def test_a_bad_file_is_reported_and_the_rest_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "good/main.tf", BAD)
    write(
        tmp_path,
        "broken/main.tf",
        'provider "kubernetes" {\n  token = \n}\n# aws_eks_cluster_auth\n',
    )
    write(tmp_path, "json/main.tf.json", '{"data": {"aws_eks_cluster_auth": ')
    write(tmp_path, "skipped/main.tf", "resource {{{ broken, but mentions nothing lint looks for")
    write(tmp_path, "bytes/main.tf", "")
    (tmp_path / "bytes" / "main.tf").write_bytes(b'provider "kubernetes" { token = "\xff" }\n')
    assert cli.main(["lint", "."]) == 2
    out = capsys.readouterr().out
    assert "good/main.tf:6:3: ETA001" in out
    assert "broken/main.tf:2:11: error: unexpected end of line\n" in out
    assert "json/main.tf.json:1:35: error: invalid JSON: Expecting value\n" in out
    assert "skipped" not in out  # never parsed: it cannot hold a finding
    assert "bytes/main.tf:1:34: error: cannot read: not UTF-8 text (byte 0xff)\n" in out


def test_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint", "/no/such/dir"]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint", "--explain", "eta004"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ETA004 exec-v1alpha1 (error)") and "## Why is this bad?" in out
    assert cli.main(["lint", "--explain", "ETA999"]) == 2


def test_formats_and_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "main.tf", BAD)
    assert cli.main(["lint", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [f["rule_id"] for f in doc["findings"]] == ["ETA001"]
    assert cli.main(["lint", "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    [result] = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "main.tf"
    assert cli.main(["lint", "--select", "ETA004"]) == 0


def test_atlantis_mode_reads_showfile_and_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "main.tf", BAD)
    monkeypatch.setenv("SHOWFILE", str(tmp_path / "main.tf"))
    assert cli.main(["lint", "--atlantis"]) == 0
    assert "1 failure," in capsys.readouterr().out
    monkeypatch.delenv("SHOWFILE")
    monkeypatch.delenv("PLANFILE", raising=False)
    assert cli.main(["lint", "--atlantis"]) == 2


def test_a_50_mb_file_is_linted_in_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file lint needs to parse is refused above 1 MiB (python-hcl2 would take ~10 minutes and
    ~12 GB); one that mentions nothing a rule looks for is only scanned. Over 128 MiB nothing is
    read."""
    monkeypatch.chdir(tmp_path)
    filler = 'resource "aws_instance" "r" {\n  ami = "ami-12345678"\n}\n' * 900_000  # 50 MB
    write(tmp_path, "big/main.tf", BAD + filler)
    write(tmp_path, "quiet/main.tf", filler)
    write(tmp_path, "small/main.tf", BAD)
    started = time.monotonic()
    assert cli.main(["lint", "--ignore", "ETA003"]) == 2
    assert time.monotonic() - started < 30
    assert capsys.readouterr().out.splitlines() == [
        "small/main.tf:6:3: ETA001 provider.kubernetes: token comes from "
        "data.aws_eks_cluster_auth.this, minted at plan time; it expires 15 minutes later, so "
        "saved plans and long applies fail",
        "big/main.tf:1:1: error: larger than the 1 MiB limit for HCL; not parsed",
    ]
    monkeypatch.setattr(loader_limits, "MAX_INPUT_BYTES", 40 << 20)
    assert cli.main(["lint", "quiet"]) == 2
    assert capsys.readouterr().out == (
        "quiet/main.tf:1:1: error: larger than the 40 MiB limit; not read\n"
    )


WARNING_ONLY = """\
provider "kubernetes" {
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", "prod"]
  }
}
"""


def test_fail_on_error_lets_warnings_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ETA007 (a warning) fails almost every adopter's first run; a team can gate on errors."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "main.tf", WARNING_ONLY)
    assert cli.main(["lint"]) == 1
    assert cli.main(["lint", "--fail-on", "error"]) == 0
    assert "main.tf:2:3: ETA007" in capsys.readouterr().out  # still reported
    write(tmp_path, ".eks-tf-auth.toml", '[lint]\nfail-on = "error"\n')
    assert cli.main(["lint"]) == 0
    assert cli.main(["lint", "--fail-on", "warning"]) == 1  # the command line wins
    write(tmp_path, "bad/main.tf", BAD)
    assert cli.main(["lint"]) == 1  # an error still fails
    capsys.readouterr()
    write(tmp_path, ".eks-tf-auth.toml", '[lint]\nfail-on = "note"\n')
    assert cli.main(["lint"]) == 2
    assert (
        ".eks-tf-auth.toml:1:1: error: lint.fail-on must be one of 'error', 'warning'"
        in capsys.readouterr().out
    )


def test_fail_on_in_pyproject_and_atlantis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "pyproject.toml", '[tool.eks-tf-auth.lint]\nfail-on = "error"\n')
    write(tmp_path, "main.tf", WARNING_ONLY)
    assert engine.load_config(tmp_path).fail_on is Severity.ERROR
    assert cli.main(["lint", "--atlantis", "main.tf"]) == 0
    out = capsys.readouterr().out
    assert "fail" not in out.lower() and out.endswith("1 warning, none at error\n")
