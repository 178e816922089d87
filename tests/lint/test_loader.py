"""What lint reads and parses: module following (inputs into children, outputs back to
callers), files set aside until they name a tainted symbol, and what is known by its content
(standard input, pipes, files whose name does not say)."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

import pytest

from eks_tf_auth import cli
from eks_tf_auth.lint import engine, hcl, loader
from eks_tf_auth.lint.rule import Report
from tests.lint.test_inputs import write_later
from tests.lint.test_plans import TOKEN, saved_plan
from tests.support.trees import write

AUTH = 'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'


def run(root: Path, *paths: str) -> Report:
    return engine.run([root / p for p in paths] or [root], engine.Selection(), cwd=root)


def test_child_module_found_from_a_single_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "root/main.tf",
        AUTH + 'module "k" {\n  source = "./k"\n  name   = "plain"\n'
        "  token  = data.aws_eks_cluster_auth.a.token\n}\n"
        'module "registry" {\n  source = "terraform-aws-modules/eks/aws"\n}\n'
        'module "dynamic" {\n  source = var.where\n}\n',
    )
    write(
        tmp_path,
        "root/k/main.tf",
        'variable "token" {}\nvariable "name" {}\n'
        'output "plain" {\n  value = var.name\n}\noutput "none" {\n  description = "x"\n}\n'
        'provider "kubernetes" {\n  token = var.token\n}\n',
    )
    report = run(tmp_path, "root/main.tf")
    assert [(f.path, f.rule_id) for f in report.findings] == [("root/k/main.tf", "ETA001")]


def test_whole_module_object_and_outputs_carry_the_taint(tmp_path: Path) -> None:
    write(
        tmp_path,
        "main.tf",
        'module "auth" {\n  source = "./auth"\n}\n'
        'provider "kubernetes" {\n  token = module.auth["token"]\n}\n'
        'provider "helm" {\n  alias = "x"\n  registry {\n    url = "oci://r"\n  }\n'
        '  dynamic "set" {\n    for_each = []\n    content {}\n  }\n}\n',
    )
    write(
        tmp_path,
        "auth/main.tf",
        AUTH + 'output "token" {\n  value = data.aws_eks_cluster_auth.a.token\n}\n',
    )
    report = run(tmp_path)
    assert ("main.tf", 5, "ETA001") in {(f.path, f.line, f.rule_id) for f in report.findings}


def test_files_that_name_a_tainted_symbol_are_parsed_the_rest_never(tmp_path: Path) -> None:
    write(tmp_path, "data.tf", AUTH + "locals {\n  t = data.aws_eks_cluster_auth.a.token\n}\n")
    write(tmp_path, "store.tf", 'resource "x" "y" {\n  v = local.t\n}\n')
    write(tmp_path, "other.tf", 'resource "x" "z" {{{ broken, and never parsed\n')
    report = run(tmp_path)
    assert [(f.path, f.line, f.rule_id) for f in report.findings] == [("store.tf", 2, "ETA002")]
    assert report.problems == ()


# --- what lint reads: pipes, standard input, files known by their content --------------------

PLAN = json.dumps(
    {
        "format_version": "1.2",
        "planned_values": {},
        "prior_state": {"values": {"outputs": {"t": {"value": TOKEN}}}},
    }
)
STATE = json.dumps({"version": 4, "resources": [{"instances": [{"attributes": {"t": TOKEN}}]}]})
AUTH_TF = AUTH + 'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n}\n'
AUTH_JSON = json.dumps(
    {
        "data": {"aws_eks_cluster_auth": {"a": {"name": "c"}}},
        "provider": {"kubernetes": {"token": "${data.aws_eks_cluster_auth.a.token}"}},
    }
)


def lint_stdin(
    data: bytes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = cli.main(["lint", *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (PLAN, "-:1:1: ETA008 the plan carries an EKS token from output.t"),
        (STATE, "-:1:1: ETA008 the plan carries an EKS token from (unknown)"),
        (AUTH_TF, "-:5:3: ETA001"),
        (AUTH_JSON, "-:1:86: ETA001"),  # exact: the token key
        ("# nothing to see\n", None),
    ],
    ids=["plan", "state", "hcl", "tf.json", "quiet"],
)
def test_stdin_is_read_by_its_content(
    data: str,
    found: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "main.tf", AUTH_TF)  # `-` is its own module: never mixed with the directory
    code, out = lint_stdin(data.encode(), monkeypatch, capsys, "-")
    assert (code, out.startswith(found) if found else out == "") == (1 if found else 0, True)
    code, out = lint_stdin(data.encode(), monkeypatch, capsys, "-", "-", ".")
    assert "main.tf:5:3: ETA001" in out and (found is None or found in out)


def test_a_saved_plan_on_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = saved_plan(tmp_path / "tfplan", {"tfstate": STATE, "tfconfig/m-/main.tf": AUTH_TF})
    code, out = lint_stdin(plan.read_bytes(), monkeypatch, capsys, "-")
    assert code == 1
    assert {line.split(" ")[1] for line in out.splitlines()} == {"ETA001", "ETA008"}
    assert "-!main.tf:5:3: ETA001" in out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "-:1:1: error: empty: neither a plan nor a configuration"),
        (b"  \n", "-:1:1: error: empty: neither a plan nor a configuration"),
        (b"{oops", "-:1:2: error: invalid JSON: Expecting property name"),
        (b"Error: Failed to read the plan\n", "-:1:6: error: unexpected ':'"),  # always parsed
        (b'{"a": 1}\n\xff', "-:2:1: error: cannot read: not UTF-8 text (byte 0xff)"),
    ],
)
def test_what_stdin_cannot_be_is_an_input_error(
    data: bytes,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = lint_stdin(data, monkeypatch, capsys, "-")
    assert code == 2 and out.startswith(message)


def test_no_stdin_at_all(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # started with descriptor 0 closed
    assert cli.main(["lint", "-"]) == 2
    assert capsys.readouterr().out == "-:1:1: error: no standard input to read\n"


def test_a_named_pipe_is_read_by_its_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo("showfile")
    write_later(tmp_path / "showfile", PLAN.encode())
    assert cli.main(["lint", "showfile"]) == 1
    assert capsys.readouterr().out.startswith("showfile:1:1: ETA008")
    write_later(tmp_path / "showfile", AUTH_TF.encode())
    assert cli.main(["lint", "showfile"]) == 1
    assert capsys.readouterr().out.startswith("showfile:5:3: ETA001")


def test_non_regular_files_in_a_tree_are_problems_never_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "main.tf", AUTH_TF)
    os.mkfifo("x.tf")
    os.mkfifo("tfplan")
    (tmp_path / "dev.tf").symlink_to("/dev/zero")
    (tmp_path / "loop.tf").symlink_to("loop.tf")
    started = time.monotonic()
    assert cli.main(["lint", "."]) == 2
    assert time.monotonic() - started < 5
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "main.tf:5:3: ETA001 provider.kubernetes: token comes from data.aws_eks_cluster_auth.a, "
        "minted at plan time; it expires 15 minutes later, so saved plans and long applies fail",
        "dev.tf:1:1: error: a character device: lint reads only regular files",
        "loop.tf:1:1: error: cannot read: Too many levels of symbolic links",
        "tfplan:1:1: error: a pipe: lint reads only regular files",
        "x.tf:1:1: error: a pipe: lint reads only regular files",
    ]


def test_devices_given_by_name_exit_2_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lint", "/dev/zero", "/dev/null"]) == 2
    assert capsys.readouterr().out == (
        "/dev/null:1:1: error: a character device: lint reads only regular files and pipes\n"
        "/dev/zero:1:1: error: a character device: lint reads only regular files and pipes\n"
    )
    write(tmp_path, "f.tf", "")
    assert cli.main(["lint", "f.tf/x"]) == 2  # there, but not as a path: not "missing"
    assert capsys.readouterr().out == "f.tf/x:1:1: error: cannot read: Not a directory\n"


def test_files_named_otherwise_are_read_by_content(tmp_path: Path) -> None:
    """A SHOWFILE named anything: plan JSON, a JSON config, HCL; a `.json` name must be JSON and
    a plan name is never a config."""
    write(tmp_path, "show.out", PLAN)
    write(tmp_path, "config.out", AUTH_JSON)
    write(tmp_path, "hcl.out", AUTH_TF)
    write(tmp_path, "odd.tfplan.json", json.dumps({"output": {"t": {"value": TOKEN}}}))
    write(tmp_path, "hcl.json", AUTH_TF)
    write(tmp_path, "empty", "")
    report = run(
        tmp_path, "show.out", "config.out", "hcl.out", "odd.tfplan.json", "hcl.json", "empty"
    )
    assert sorted({(f.path, f.rule_id) for f in report.findings}) == [
        ("config.out", "ETA001"),
        ("hcl.out", "ETA001"),
        ("odd.tfplan.json", "ETA008"),
        ("show.out", "ETA008"),
    ]
    assert [(p.path, p.message.split(":")[0]) for p in report.problems] == [
        ("empty", "empty"),
        ("hcl.json", "invalid JSON"),
    ]
    write(tmp_path, "showfile", "No changes. Your infrastructure matches the configuration.\n")
    [problem] = run(tmp_path, "showfile").problems  # known by content: parsed, never skipped
    assert (problem.path, problem.message) == ("showfile", "unexpected '.'")


def test_is_stream() -> None:
    assert loader.is_stream(Path("-")) and loader.is_stream(Path("/dev/null"))
    assert not loader.is_stream(Path(".")) and not loader.is_stream(Path("/no/such"))
    assert not loader.is_stream(Path(__file__))


def test_memory_errors_are_problems_for_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "big/plan.tfplan.json", PLAN)
    write(tmp_path, "big/main.tf", AUTH_TF)
    write(tmp_path, "ok/main.tf", AUTH_TF.replace('"c"', '"d"'))

    def exhausted(*args: object, **kwargs: object) -> NoReturn:
        raise MemoryError

    real_parse = hcl.parse_config
    monkeypatch.setattr(loader, "parse_json", exhausted)
    monkeypatch.setattr(
        loader,
        "parse_config",
        lambda path, text: exhausted() if path.startswith("big/") else real_parse(path, text),
    )
    report = run(tmp_path)
    assert [(f.path, f.rule_id) for f in report.findings] == [("ok/main.tf", "ETA001")]
    assert [(p.path, p.message) for p in report.problems] == [
        ("big/main.tf", "out of memory parsing it"),
        ("big/plan.tfplan.json", "out of memory reading it"),
    ]


# --- a file given brings its module ------------------------------------------------------------

LOCAL_TOKEN = AUTH + "locals {\n  token = data.aws_eks_cluster_auth.a.token\n}\n"
PROVIDER_LOCAL = 'provider "kubernetes" {\n  token = local.token\n}\n'


def test_a_file_given_is_linted_with_its_module_and_only_its_findings_reported(
    tmp_path: Path,
) -> None:
    """pre-commit passes the staged files: a staged providers.tf whose token is declared in an
    unstaged data.tf is still flagged, and data.tf's own findings are not."""
    write(tmp_path, "stack/data.tf", LOCAL_TOKEN + 'data "aws_eks_cluster_auth" "unused" {\n}\n')
    write(tmp_path, "stack/providers.tf", PROVIDER_LOCAL)
    write(tmp_path, "stack/other.tofu", PROVIDER_LOCAL.replace("{\n", '{\n  alias = "o"\n', 1))
    write(
        tmp_path,
        "stack/k/main.tf",
        'variable "t" {}\nprovider "kubernetes" {\n  token = var.t\n}\n',
    )
    report = run(tmp_path, "stack/providers.tf")
    assert [(f.path, f.line, f.rule_id) for f in report.findings] == [
        ("stack/providers.tf", 2, "ETA001")
    ]
    both = run(tmp_path, "stack/providers.tf", "stack/data.tf", "stack/providers.tf")
    assert {(f.path, f.rule_id) for f in both.findings} == {
        ("stack/providers.tf", "ETA001"),
        ("stack/data.tf", "ETA003"),
    }
    whole = run(tmp_path, "stack/providers.tf", "stack")
    assert {f.path for f in whole.findings} == {
        "stack/providers.tf",
        "stack/data.tf",
        "stack/other.tofu",
    }


def test_a_file_given_reaches_the_modules_it_calls(tmp_path: Path) -> None:
    """What the dataflow reaches from a file given is reported where it lands."""
    write(
        tmp_path,
        "root/main.tf",
        'module "k" {\n  source = "./k"\n  t      = local.token\n}\n',
    )
    write(tmp_path, "root/data.tf", LOCAL_TOKEN)
    write(
        tmp_path, "root/k/main.tf", 'variable "t" {}\nprovider "kubernetes" {\n  token = var.t\n}\n'
    )
    report = run(tmp_path, "root/main.tf")
    assert [(f.path, f.rule_id) for f in report.findings] == [("root/k/main.tf", "ETA001")]


def test_a_file_beside_one_given_may_be_unreadable(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", AUTH_TF)
    os.mkfifo(tmp_path / "fifo.tf")
    report = run(tmp_path, "main.tf")
    assert [f.rule_id for f in report.findings] == ["ETA001"]
    assert [(p.path, p.message) for p in report.problems] == [
        ("fifo.tf", "a pipe: lint reads only regular files")
    ]
    assert loader.module_files(tmp_path / "missing") == []


@pytest.mark.parametrize(
    "call",
    [
        'module "auth" { source = "./auth" }\n',
        'module "auth" {source="./auth"}\n',
    ],
)
def test_a_one_line_module_block_carries_its_outputs(tmp_path: Path, call: str) -> None:
    write(tmp_path, "main.tf", call + 'provider "kubernetes" {\n  token = module.auth.token\n}\n')
    write(
        tmp_path,
        "auth/main.tf",
        AUTH + 'output "token" {\n  value = data.aws_eks_cluster_auth.a.token\n}\n',
    )
    report = run(tmp_path)
    assert ("main.tf", 3, "ETA001") in [(f.path, f.line, f.rule_id) for f in report.findings]
    given = run(tmp_path, "main.tf").findings
    assert [(f.path, f.rule_id) for f in given if f.rule_id == "ETA001"] == [("main.tf", "ETA001")]


def test_a_one_line_module_call_in_json(tmp_path: Path) -> None:
    write(
        tmp_path,
        "main.tf.json",
        json.dumps(
            {
                "module": {"auth": {"source": "./auth"}},
                "provider": {"kubernetes": {"token": "${module.auth.token}"}},
            }
        ),
    )
    write(
        tmp_path,
        "auth/main.tf",
        AUTH + 'output "token" {\n  value = data.aws_eks_cluster_auth.a.token\n}\n',
    )
    assert [f.path for f in run(tmp_path).findings if f.rule_id == "ETA001"] == ["main.tf.json"]


# --- plans in a tree, by content ---------------------------------------------------------------


def test_plans_in_a_tree_are_found_by_content_whatever_their_name(tmp_path: Path) -> None:
    members = {"tfplan": "\x00plan", "tfstate": STATE, "tfconfig/m-/main.tf": AUTH_TF}
    saved_plan(tmp_path / "plans" / "plan.bin", members)
    saved_plan(tmp_path / "plans" / "plan.out", {**members, "tfconfig/m-/main.tf": ""})
    write(tmp_path, "plans/tfplan.json", PLAN)
    write(tmp_path, "plans/show", json.dumps(json.loads(PLAN), indent=2))
    # Not plans: a zip without a tfplan member, JSON that is not a plan, text, a FIFO.
    saved_plan(tmp_path / "lambda.zip", {"index.py": TOKEN})
    write(tmp_path, "state.json", json.dumps({"format_version": "1.0", "values": {"t": TOKEN}}))
    write(tmp_path, "settings.json", json.dumps({"planned_values": {"t": TOKEN}}))
    write(tmp_path, "README.md", f'{{"format_version": "1.2", "planned_values": "{TOKEN}"}}'[1:])
    write(tmp_path, "PK", "PK\x03\x04 is not a zip")
    write(tmp_path, "empty", "")
    os.mkfifo(tmp_path / "fifo")
    os.symlink("/dev/zero", tmp_path / "zero")
    report = run(tmp_path)
    assert sorted({(f.path, f.rule_id) for f in report.findings}) == [
        ("plans/plan.bin", "ETA008"),
        ("plans/plan.bin!main.tf", "ETA001"),
        ("plans/plan.out", "ETA008"),
        ("plans/show", "ETA008"),
        ("plans/tfplan.json", "ETA008"),
    ]
    assert report.problems == ()


def test_a_plan_by_content_that_cannot_be_read_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "broken.out", '{"format_version": "1.2", "planned_values": ')
    [problem] = run(tmp_path).problems
    assert (problem.path, problem.message) == ("broken.out", "invalid JSON: Expecting value")


def test_sniffing_skips_what_it_cannot_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "plan.out", PLAN)
    real_open = os.open

    def refuse(path: str, *args: object, **kwargs: object) -> int:
        if str(path).endswith("plan.out"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("eks_tf_auth.lint.loader.os.open", refuse)
    assert run(tmp_path).findings == ()

    def unreadable(fd: int, size: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("eks_tf_auth.lint.loader.os.open", real_open)
    monkeypatch.setattr("eks_tf_auth.lint.loader.os.read", unreadable)
    assert run(tmp_path).findings == ()


SCANS = {
    name: scan for name in dir(loader) if isinstance(scan := getattr(loader, name), loader.Scan)
}


def scan_corpus() -> list[str]:
    """Every configuration text of the lint tests, and each with its lines joined in twos, its
    quotes dropped and its spaces doubled: shapes the quick expressions must not miss."""
    root = Path(__file__).parent
    texts = [p.read_text() for p in sorted(root.rglob("*")) if p.suffix in (".tf", ".json", ".hcl")]
    variants = [
        *(t.replace("\n", " ", 1) for t in texts),
        *(t.replace('"', "") for t in texts),
        *(t.replace(" ", "  ").replace("=", " = ") for t in texts),
        'source = "./a"\n{source="../b"}, "source": "./c"',
        'assume_role_policy = 1\nassume_role {\n}\nassume_role_with_web_identity {}\n  profile="p"',
        'exec {\n}\ndynamic "exec" {}\n"exec": [{}]\nargs = ["--role-arn", "r"]\nAWS_PROFILE = "p"',
    ]
    return texts + variants


def test_each_scan_finds_what_its_full_expression_finds() -> None:
    assert set(SCANS) >= {"CA_LINE", "TOKEN_ATTRIBUTE", "EXEC", "IDENTITY", "CALL", "PASSED"}
    corpus = scan_corpus()
    assert len(corpus) > 300
    for name, scan in SCANS.items():
        hits = 0
        for text in corpus:
            assert scan.findall(text) == scan.full.findall(text), (name, text)
            assert scan.search(text) == (scan.full.search(text) is not None), (name, text)
            hits += bool(scan.full.search(text))
        assert hits, name  # each expression is exercised by the corpus


def test_an_iam_role_is_no_assume_role_for_eta010(tmp_path: Path) -> None:
    """assume_role_policy (any IAM role) beside an exec block does not get a module parsed for
    ETA010, even with a role_arn the exec block does not pass; an aws provider's assume_role
    block does."""
    exec_block = (
        'provider "kubernetes" {\n  exec {\n'
        '    api_version = "client.authentication.k8s.io/v1beta1"\n'
        '    command     = "eks-tf-auth"\n'
        '    args        = ["exec", "--cluster-name", "c"]\n  }\n}\n'
    )
    role = (
        'resource "aws_iam_role" "r" {\n  name               = "r"\n'
        '  assume_role_policy = "{}"\n}\n'
        'resource "aws_eks_pod_identity_association" "a" {\n'
        "  role_arn = aws_iam_role.r.arn\n}\n"
    )
    write(tmp_path, "iam/main.tf", exec_block + role)
    provider = 'provider "aws" {\n  assume_role {\n    role_arn = "arn:aws:iam::1:role/x"\n  }\n}\n'
    write(tmp_path, "assumes/main.tf", exec_block + provider)
    project = loader.load([tmp_path], cwd=tmp_path)
    assert set(project.modules) == {str(tmp_path / "assumes")}
