"""Terragrunt: generate blocks linted where they are written, units merged with their includes and
module source, tokens handed between units, --fix in the heredoc (terragrunt.py).

The fixtures in terragrunt/ follow the layouts most Terragrunt repositories copy: bad/ marks each
line that must be reported with `# expect: ID`, good/ holds near misses, and fixes/<case> is an
`in/` tree, the `out/` tree --fix makes of it and UNFIXED, the lines it prints for what it leaves.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.lint import engine, fix, loader, terragrunt
from eks_tf_auth.lint.hcl import parse_hcl
from tests.support.terraform import fmt_check
from tests.support.tools import require_tool
from tests.support.trees import write

HERE = Path(__file__).parent / "terragrunt"
CASES = HERE / "fixes"
ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"#\s*expect:\s*(?P<ids>ETA\d{3}(?:\s*,\s*ETA\d{3})*)")
AUTH = 'data "aws_eks_cluster_auth" "this" {\n  name = "c"\n}\n'
PROVIDER = 'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.this.token\n}\n'
INCLUDE = 'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'


def generate(label: str, body: str) -> str:
    head = f'generate "{label}" {{\n  path     = "{label}.tf"\n'
    return f"{head}  contents = <<EOF\n{body}EOF\n}}\n"


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def found(root: Path, *paths: str) -> set[tuple[str, int, str]]:
    report = engine.run([root / p for p in paths] or [root], engine.Selection(), cwd=root)
    assert report.problems == ()
    return {(f.path, f.line, f.rule_id) for f in report.findings}


def expected(root: Path) -> set[tuple[str, int, str]]:
    want = set()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".tf", ".hcl"):
            for number, text in enumerate(path.read_text().splitlines(), start=1):
                if m := MARKER.search(text):
                    for rule_id in re.split(r"\s*,\s*", m.group("ids")):
                        want.add((path.relative_to(root).as_posix(), number, rule_id))
    return want


def rendered(text: str) -> list[str]:
    """What each generate block that writes Terraform writes, as Terragrunt writes it (`<<-`
    dedented, `$${` unescaped), its own interpolations standing for values (generated_text)."""
    out = []
    for block in parse_hcl("x.hcl", text).blocks:
        generate = terragrunt._generate(block) if block.kind == "generate" else None
        for start, end in generate.bodies if generate else ():
            body = terragrunt.generated_text(text[start:end])
            lines = [line.rstrip() for line in body.split("\n")]
            if text[text.rfind("<<", 0, start) + 2] == "-":
                indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
                lines = [x[indent:] for x in lines]
            out.append("\n".join(lines))
    return out


# --- the fixtures ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(p.name for p in (HERE / "bad").iterdir()))
def test_bad_fixtures(case: str) -> None:
    root = HERE / "bad" / case
    want = expected(root)
    assert want and found(root) == want


def test_bad_fixtures_fail_the_gate(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["lint", str(HERE / "bad")]) == 1
    out = capsys.readouterr().out
    assert "root-hcl/root.hcl:41:3: ETA001 provider.kubernetes: token comes from" in out
    assert (
        "handoff/live/apps/terragrunt.hcl:22:3: ETA001 provider.kubernetes: token comes from "
        "data.aws_eks_cluster_auth.this via module.dependency.eks.outputs.cluster_token via "
        "var.k8s_token, minted at plan time" in out
    )
    assert (
        "handoff/live/apps/terragrunt.hcl:23:3: ETA001 provider.helm: token comes from "
        "data.aws_eks_cluster_auth.* via module.dependency.platform.outputs.admin_token via "
        "var.helm_token" in out
    )


@pytest.mark.parametrize("case", sorted(p.name for p in (HERE / "good").iterdir()))
def test_good_fixtures(case: str) -> None:
    assert found(HERE / "good" / case) == set()


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_fix_cases(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "work"
    shutil.copytree(CASES / case / "in", work)
    monkeypatch.chdir(work)
    listed = (CASES / case / "UNFIXED").read_text().splitlines() if case == "handoff" else []
    assert cli.main(["lint", "--fix", "."]) == (1 if listed else 0)
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if " not fixed: " in line] == listed
    assert tree(work) == tree(CASES / case / "out")
    left = engine.run([Path(".")], engine.Selection()).findings
    assert Counter((f.path, f.rule_id) for f in left) == Counter(
        (line.split(":")[0], line.split(" ")[1]) for line in listed
    )
    assert cli.main(["lint", "--fix", "."]) == (1 if listed else 0)
    assert f"fixed 0 finding(s) in 0 file(s); {len(listed)} left" in capsys.readouterr().err


def test_only_the_handoff_case_leaves_findings() -> None:
    assert sorted(p.parent.name for p in CASES.glob("*/UNFIXED")) == ["handoff"]


@pytest.mark.real
def test_what_fix_generates_is_terraform_fmt_clean(tmp_path: Path) -> None:
    """--fix on every fixture: the files re-lint to what it left, and each generate block's
    contents, as Terragrunt writes them, pass `terraform fmt -check`."""
    terraform = require_tool("terraform")
    work = tmp_path / "work"
    shutil.copytree(HERE / "bad", work / "bad")
    shutil.copytree(HERE / "good", work / "good")
    for case in CASES.iterdir():
        shutil.copytree(case / "out", work / "out" / case.name)
    fixes = fix.fix([work])
    fix.write(fixes.changes)
    assert len(fixes.changes) >= 7
    left = engine.run([work], engine.Selection()).findings
    assert Counter((f.path, f.rule_id) for f in left) == Counter(
        (u.finding.path, u.finding.rule_id) for u in fixes.unfixed
    )
    generated = tmp_path / "generated"
    for n, path in enumerate(sorted(work.rglob("*.hcl"))):
        for m, contents in enumerate(rendered(path.read_text())):
            write(generated, f"{n}-{m}.tf", contents)
    assert len(list(generated.iterdir())) >= 15
    for path in [generated, *(p for p in work.rglob("*") if p.is_dir() and "modules" in p.parts)]:
        proc = fmt_check(terraform, path, tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr


# --- units, includes and what they generate --------------------------------------------------


def test_a_unit_merges_its_includes_and_a_child_block_replaces_the_parent_one(
    tmp_path: Path,
) -> None:
    write(tmp_path, "root.hcl", generate("auth", AUTH) + generate("provider", PROVIDER))
    write(tmp_path, "a/terragrunt.hcl", INCLUDE)
    write(tmp_path, "b/terragrunt.hcl", INCLUDE + generate("provider", "# none\n"))
    report = engine.run([tmp_path / "b"], engine.Selection(), cwd=tmp_path)
    assert [f.rule_id for f in report.findings] == ["ETA003"]  # the data source alone
    assert found(tmp_path, "a") == {("root.hcl", 13, "ETA001")}
    assert found(tmp_path) == {("root.hcl", 13, "ETA001"), ("root.hcl", 4, "ETA003")}  # b's


def test_a_file_given_by_name(tmp_path: Path) -> None:
    write(tmp_path, "root.hcl", generate("p", AUTH + PROVIDER))
    write(tmp_path, "env.hcl", 'locals {\n  env = "prod"\n}\n')
    write(tmp_path, "unit/terragrunt.hcl", INCLUDE)
    assert found(tmp_path, "root.hcl", "env.hcl") == {("root.hcl", 8, "ETA001")}
    assert found(tmp_path, "unit/terragrunt.hcl") == {("root.hcl", 8, "ETA001")}


def test_include_forms_and_what_is_left_out(tmp_path: Path) -> None:
    write(tmp_path, "terragrunt.hcl", generate("p", AUTH + PROVIDER))
    write(tmp_path, "_envcommon/x.hcl", generate("q", AUTH.replace("this", "other")))
    write(
        tmp_path,
        "live/u/terragrunt.hcl",
        "include {\n  path = find_in_parent_folders()\n}\n"
        'include "x" {\n  path = "${dirname(find_in_parent_folders())}/_envcommon/x.hcl"\n}\n'
        "terraform {\n}\nlocals {\n  inputs = {\n    a = 1\n  }\n}\ninputs = merge({}, {})\n"
        'include "y" {\n  path           = "../../_envcommon/x.hcl"\n'
        '  merge_strategy = "no_merge"\n}\n'
        'include "z" {\n  path = local.somewhere\n}\n'
        'include "missing" {\n  path = "nowhere.hcl"\n}\n'
        'include "self" {\n  path = "terragrunt.hcl"\n}\n',
    )
    assert found(tmp_path, "live") == {
        ("terragrunt.hcl", 8, "ETA001"),
        ("_envcommon/x.hcl", 4, "ETA003"),
    }


def test_generate_blocks_that_write_no_terraform(tmp_path: Path) -> None:
    write(
        tmp_path,
        "terragrunt.hcl",
        'generate "a" {\n  path     = "a.tf"\n  contents = "# not a heredoc"\n}\n'
        'generate "b" {\n  path = "b.tf"\n}\n'
        'generate "c" {\n  path     = "c.tf"\n  disable  = true\n  contents = <<EOF\n'
        + AUTH
        + "EOF\n}\n"
        + 'generate "d" {\n  path     = "values.yaml"\n  contents = <<EOF\n'
        + AUTH
        + "EOF\n}\n"
        + 'generate {\n  path = "e.tf"\n}\n'
        + 'generate "f" {\n  contents = <<EOF\n'
        + AUTH
        + "EOF\n}\n"
        + 'generate "g" {\n  path     = "g.tf"\n  contents = <<EOF\nterraform {\n}\nEOF\n}\n',
    )
    assert found(tmp_path) == {("terragrunt.hcl", 30, "ETA003")}  # only "f" writes Terraform


def test_an_unterminated_heredoc_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "terragrunt.hcl", 'generate "p" {\n  contents = <<EOF\n' + AUTH)
    report = engine.run([tmp_path], engine.Selection(), cwd=tmp_path)
    assert [(p.path, p.line) for p in report.problems] == [("terragrunt.hcl", 2)]


def test_syntax_errors_are_problems_at_their_line(tmp_path: Path) -> None:
    write(tmp_path, "a/terragrunt.hcl", 'include "root" {\n  path = \n}\n')
    write(
        tmp_path,
        "b/terragrunt.hcl",
        generate("ok", AUTH)
        + generate("p", 'provider "kubernetes" {\n  token = = 1\n}\n')
        + generate("q", AUTH.replace("this", "other")),
    )
    write(tmp_path, "c/root.hcl", generate("p", AUTH + "provider {\n") + generate("q", AUTH))
    write(tmp_path, "c/u/terragrunt.hcl", INCLUDE)
    write(tmp_path, "c/v/terragrunt.hcl", INCLUDE + generate("q", "# replaced\n"))
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "terragrunt.hcl").write_bytes(b'locals {\n  a = "\xff"\n}\n')
    write(tmp_path, "e/env.hcl", "not hcl {{{\n")  # no generate block: not Terragrunt's
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "bad.hcl").write_bytes(b"\xfe")
    write(
        tmp_path,
        "f/u/terragrunt.hcl",
        'include {\n  path = "../bad.hcl"\n}\n' + generate("x", AUTH),
    )
    report = engine.run([tmp_path], engine.Selection(), cwd=tmp_path)
    assert [(p.path, p.line, p.column) for p in report.problems] == [
        ("a/terragrunt.hcl", 2, 10),
        ("b/terragrunt.hcl", 13, 11),
        ("c/root.hcl", 7, 1),
        ("d/terragrunt.hcl", 2, 8),
        ("f/bad.hcl", 1, 1),
    ]
    messages = [p.message for p in report.problems]
    assert messages[1] == "generate \"p\": unexpected '= 1'"
    assert messages[2].startswith('generate "p": ')
    assert messages[3].startswith("cannot read: not UTF-8")
    assert "\n" not in "".join(messages)


def test_a_unit_whose_module_is_its_own_directory(tmp_path: Path) -> None:
    write(tmp_path, "u/main.tf", AUTH + PROVIDER)
    write(tmp_path, "u/broken.tf", "locals {\n  token = \n}\n")
    write(tmp_path, "u/terragrunt.hcl", 'terraform {\n  source = "."\n}\n')
    report = engine.run([tmp_path], engine.Selection(), cwd=tmp_path)
    assert [(p.path, p.line) for p in report.problems] == [("u/broken.tf", 2)]  # once
    assert [(f.path, f.line) for f in report.findings] == [("u/main.tf", 5)]


def test_unit_files_beside_terragrunt_hcl_and_a_module_that_cannot_be_parsed(
    tmp_path: Path,
) -> None:
    write(tmp_path, "modules/m/main.tf", 'provider "kubernetes" {\n  token = \n}\n')
    write(tmp_path, "modules/m/ok.tf", PROVIDER)
    (tmp_path / "modules/m/latin1.tf").write_bytes(b"# \xe9\n")
    write(
        tmp_path,
        "live/u/terragrunt.hcl",
        'terraform {\n  source = "../../modules/m"\n}\n' + generate("auth", AUTH),
    )
    write(
        tmp_path,
        "live/u/extra.tf",
        'provider "kubernetes" {\n  alias = "x"\n'
        "  token = data.aws_eks_cluster_auth.this.token\n}\n",
    )
    write(tmp_path, "live/v/terragrunt.hcl", 'terraform {\n  source = "../../modules/m"\n}\n')
    report = engine.run([tmp_path / "live"], engine.Selection(), cwd=tmp_path)
    assert [(p.path, p.line) for p in report.problems] == [
        ("modules/m/latin1.tf", 1),
        ("modules/m/main.tf", 2),
    ]
    assert {(f.path, f.line) for f in report.findings} == {
        ("live/u/extra.tf", 3),
        ("modules/m/ok.tf", 2),
    }
    fixes = fix.fix([tmp_path / "live"], cwd=tmp_path)
    assert sorted(c.path.name for c in fixes.changes) == ["extra.tf", "ok.tf"]  # data source kept


def test_module_sources(tmp_path: Path) -> None:
    write(tmp_path, ".git/HEAD", "ref: refs/heads/main\n")
    write(tmp_path, "modules/k8s/main.tf", PROVIDER)
    sources = {
        "a": '"${get_repo_root()}/modules/k8s"',
        "b": '"${get_parent_terragrunt_dir()}/modules//k8s?ref=v1"',
        "c": '"${get_terragrunt_dir()}/../../modules/k8s"',
        "d": '"git::https://example.com/modules.git//k8s?ref=v1"',
        "e": '"../../modules/missing"',
        "f": "local.source",
    }
    for name, source in sources.items():
        write(
            tmp_path,
            f"live/{name}/terragrunt.hcl",
            INCLUDE + f"terraform {{\n  source = {source}\n}}\n",
        )
    write(tmp_path, "root.hcl", generate("auth", AUTH))
    write(
        tmp_path,
        "live/g/terragrunt.hcl",
        'include "gone" {\n  path = "nowhere.hcl"\n}\n'
        'terraform {\n  source = "../../modules/k8s"\n\n  extra_arguments "retry" {\n'
        '    commands = ["apply"]\n  }\n}\n',
    )
    write(tmp_path, "live/h/terragrunt.hcl", "include {\n  path = local.root\n}\n")
    report = engine.run([tmp_path / "live"], engine.Selection(), cwd=tmp_path)
    assert {(f.path, f.rule_id) for f in report.findings} == {
        ("modules/k8s/main.tf", "ETA001"),
        ("root.hcl", "ETA003"),  # d, e, f: the module is not read, the data source is unused
    }


def test_the_terragrunt_cache_is_skipped_unless_given(tmp_path: Path) -> None:
    cached = tmp_path / "unit" / ".terragrunt-cache" / "x" / "y"
    write(cached, "terragrunt.hcl", generate("p", AUTH + PROVIDER))
    write(cached, "provider.tf", AUTH + PROVIDER)
    assert found(tmp_path) == set()
    assert found(tmp_path, "unit/.terragrunt-cache/x/y") == {
        ("unit/.terragrunt-cache/x/y/terragrunt.hcl", 8, "ETA001"),
        ("unit/.terragrunt-cache/x/y/provider.tf", 5, "ETA001"),
    }


def test_a_suppression_comment_in_the_heredoc(tmp_path: Path) -> None:
    write(
        tmp_path,
        "terragrunt.hcl",
        generate("p", AUTH + PROVIDER.replace(".token\n", ".token # eks-tf-auth:ignore ETA001\n")),
    )
    assert found(tmp_path) == set()


def test_fix_in_a_dedented_heredoc_of_a_file_given_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (AUTH + PROVIDER).replace("\n", "\n    ")
    write(
        tmp_path,
        "root.hcl",
        'generate "p" {\n  contents = <<-EOF\n    ' + body.rstrip(" ") + "  EOF\n}\n",
    )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["lint", "--fix", "root.hcl"]) == 0
    assert (tmp_path / "root.hcl").read_text() == (
        'generate "p" {\n  contents = <<-EOF\n    provider "kubernetes" {\n      exec {\n'
        '        api_version = "client.authentication.k8s.io/v1beta1"\n'
        '        command     = "eks-tf-auth"\n        args        = ["exec", "--cluster-name", '
        '"c"]\n      }\n    }\n  EOF\n}\n'
    )


# --- tokens handed between units -------------------------------------------------------------

EKS_MODULE = (
    AUTH.replace('"c"', "var.cluster_name")
    + 'output "cluster_token" {\n  value = data.aws_eks_cluster_auth.this.token\n}\n'
)
APP_MODULE = 'provider "kubernetes" {\n  token = var.k8s_token\n}\n'


def unit(source: str, body: str = "") -> str:
    return f'terraform {{\n  source = "{source}"\n}}\n{body}'


def test_a_dependency_in_an_include_and_an_input_overridden(tmp_path: Path) -> None:
    write(tmp_path, "modules/eks/main.tf", EKS_MODULE)
    write(tmp_path, "modules/app/main.tf", APP_MODULE)
    write(tmp_path, "live/eks/terragrunt.hcl", unit("../../modules/eks"))
    write(
        tmp_path,
        "_envcommon/app.hcl",
        'dependency "eks" {\n  config_path = "${get_terragrunt_dir()}/../eks"\n}\n'
        "inputs = {\n  k8s_token = dependency.eks.outputs.cluster_token\n}\n",
    )
    envcommon = 'include "env" {\n  path = "../../_envcommon/app.hcl"\n}\n'
    write(tmp_path, "live/a/terragrunt.hcl", envcommon + unit("../../modules/app"))
    write(
        tmp_path,
        "live/b/terragrunt.hcl",
        envcommon + unit("../../modules/app", 'inputs = {\n  k8s_token = "static"\n}\n'),
    )
    assert found(tmp_path, "live/a", "live/b") == {
        ("_envcommon/app.hcl", 5, "ETA001"),
        ("modules/eks/main.tf", 5, "ETA002"),
    }
    assert found(tmp_path, "live/b") == set()  # its own k8s_token replaces the envcommon's


def test_dependencies_that_cannot_be_followed(tmp_path: Path) -> None:
    write(tmp_path, "modules/app/main.tf", APP_MODULE + APP_MODULE.replace("k8s", "other"))
    write(tmp_path, "live/remote/terragrunt.hcl", unit("tfr:///example/eks/aws?version=1.0"))
    write(tmp_path, "live/broken/terragrunt.hcl", "dependency {\n")
    write(
        tmp_path,
        "live/app/terragrunt.hcl",
        'dependency "remote" {\n  config_path = "../remote"\n}\n'
        'dependency "broken" {\n  config_path = "../broken"\n}\n'
        'dependency "computed" {\n  config_path = local.eks\n}\n'
        + unit(
            "../../modules/app",
            "inputs = {\n"
            "  k8s_token   = dependency.remote.outputs.cluster_token\n"
            "  other_token = dependency.broken.outputs.endpoint\n"
            "  unused      = dependency.computed.outputs.token\n"
            "  # inputs = {\n"
            "}\n",
        ),
    )
    write(  # inputs built by an expression: not followed
        tmp_path,
        "live/merged/terragrunt.hcl",
        'dependency "remote" {\n  config_path = "../remote"\n}\n'
        "locals {\n  inputs = {\n    k8s_token = dependency.remote.outputs.cluster_token\n  }\n}\n"
        + unit("../../modules/app", "inputs = merge(local.inputs, {})\n"),
    )
    report = engine.run([tmp_path / "live"], engine.Selection(), cwd=tmp_path)
    assert [(p.path, p.line) for p in report.problems] == [("live/broken/terragrunt.hcl", 2)]
    assert [(f.path, f.line) for f in report.findings] == [("live/app/terragrunt.hcl", 14)]


def test_a_dependency_cycle_and_tokens_through_a_chain(tmp_path: Path) -> None:
    write(tmp_path, "modules/eks/main.tf", EKS_MODULE)
    write(tmp_path, "modules/app/main.tf", APP_MODULE + 'output "x" {\n  value = 1\n}\n')
    write(
        tmp_path,
        "live/eks/terragrunt.hcl",
        'dependency "app" {\n  config_path = "../app"\n}\n'
        + unit("../../modules/eks", "inputs = {\n  x = dependency.app.outputs.x\n}\n"),
    )
    write(
        tmp_path,
        "live/app/terragrunt.hcl",
        'dependency "eks" {\n  config_path = "../eks"\n}\n'
        + unit(
            "../../modules/app",
            "inputs = {\n  k8s_token = dependency.eks.outputs.cluster_token\n}\n",
        ),
    )
    assert ("live/app/terragrunt.hcl", 8, "ETA001") in found(tmp_path, "live")
    assert ("live/app/terragrunt.hcl", 8, "ETA001") in found(tmp_path, "live/app")


def test_helm3_aliases_and_generated_consumers(tmp_path: Path) -> None:
    write(tmp_path, "modules/eks/main.tf", EKS_MODULE)
    write(tmp_path, "live/eks/terragrunt.hcl", unit("../../modules/eks"))
    consumer = (
        'provider "helm" {\n  kubernetes = {\n    token = var.k8s_token\n  }\n}\n'
        'provider "kubernetes" {\n  alias = "b"\n  token = var.k8s_token\n}\n'
    )
    write(
        tmp_path,
        "live/app/terragrunt.hcl",
        'dependency "eks" {\n  config_path = "../eks"\n}\n'
        'inputs = {\n  "k8s_token" = dependency.eks.outputs.cluster_token\n}\n'
        + generate("p", consumer),
    )
    report = engine.run([tmp_path / "live/app"], engine.Selection(), cwd=tmp_path)
    messages = sorted(f.message.split(":")[0] for f in report.findings if f.rule_id == "ETA001")
    assert messages == ["provider.helm", "provider.kubernetes.b"]
    assert {f.line for f in report.findings if f.rule_id == "ETA001"} == {5}


# --- the heredoc view and static evaluation --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "view"),
    [
        ('a = "${local.r}"\n', 'a = "          "\n'),
        ("a = ${local.r}\n", 'a = "        "\n'),
        ("  ${local.block}\n", "                \n"),
        ("${local.block}", "              "),
        ('a = "$${var.x}"\n', 'a = " ${var.x}"\n'),
        ('a = "$${f("}")} ${x}"\n', 'a = " ${f("}")}     "\n'),
        ("%{ if x }\nb = 1\n%{ endif }\n", "         \nb = 1\n          \n"),
        ('a = "x\\"${y}"\n', 'a = "x\\"    "\n'),
        ("# ${x}\n/* ${y} */ c = ${z}\n", '# ${x}\n/* ${y} */ c = "  "\n'),
        ('a = "un\nb = ${x}\n', 'a = "un\nb = "  "\n'),
        ("a = <<EOT\n${x}\nEOT\nb = ${y}\n", 'a = <<EOT\n    \nEOT\nb = "  "\n'),
        ("a = {\n  b = 1 }\nc = ${x\n}\n", "a = {\n  b = 1 }\nc =    \n \n"),
        ('a = "${ {a = "}"}.a }"\n', 'a = "                "\n'),
        ("a = <<EOT\nx\n  EOT", "a = <<EOT\nx\n  EOT"),
        ("a = <<EOT\nEOT\nb = ${c}", 'a = <<EOT\nEOT\nb = "  "'),
        ("a = <<EOT\n$${x + {y = 1}.y}\nEOT\n", "a = <<EOT\n ${x + {y = 1}.y}\nEOT\n"),
        ("a = $${x}\n", "a =  ${x}\n"),
        ("a = ${x", 'a = " "'),
    ],
)
def test_generated_text(body: str, view: str) -> None:
    assert terragrunt.generated_text(body) == view
    assert len(view) == len(body)


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ('"a/b"', "a/b"),
        ('("a")', "a"),
        ('"$${x}"', "${x}"),
        ('"a\\"b"', None),
        ('"%{ if x }a%{ endif }"', None),
        ('"a" + "b"', None),
        ('"${local.x}/y"', None),
        ("local.x", None),
        ('dirname("/a/b/c")', "/a/b"),
        ('dirname("a", "b")', None),
        ("get_terragrunt_dir()", "/unit"),
        ("get_original_terragrunt_dir()", "/unit"),
        ('get_terragrunt_dir("x")', None),
        ("get_parent_terragrunt_dir()", "/root"),
        ('get_parent_terragrunt_dir("env")', "/env"),
        ('get_parent_terragrunt_dir("other")', None),
        ("path_relative_to_include()", None),
        ('format("%s", 1)', None),
        ('"${get_terragrunt_dir()}//${dirname("a/b")}"', "/unit//a"),
    ],
)
def test_evaluate(expr: str, value: str | None) -> None:
    scope = terragrunt._Scope("/unit", {"root": "/root", "env": "/env"})
    assert terragrunt._evaluate(expr, scope) == value


def test_evaluate_without_includes_or_a_repository(tmp_path: Path) -> None:
    scope = terragrunt._Scope(str(tmp_path / "a" / "b"))
    assert terragrunt._evaluate("get_parent_terragrunt_dir()", scope) is None
    assert (
        terragrunt._evaluate("get_repo_root()", scope) is None
        or (Path(str(terragrunt._evaluate("get_repo_root()", scope))) / ".git").exists()
    )
    assert terragrunt._evaluate('find_in_parent_folders("no-such.hcl")', scope) is None
    assert terragrunt._evaluate('find_in_parent_folders("no-such.hcl", "x.hcl")', scope) == "x.hcl"
    assert terragrunt._evaluate("get_terragrunt_dir()", None) is None
    assert terragrunt._literal(None) is None


def test_the_pre_commit_hook_passes_terragrunt_files() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for name in ("main.tf", "x.tf.json", "x.tofu", "terragrunt.hcl", "live/root.hcl"):
        assert files.search(name) and not exclude.search(name), name
    for name in ("live/.terraform.lock.hcl", "README.md", "x.tfvars"):
        assert not files.search(name) or exclude.search(name), name


def test_loader_reads_hcl_files_as_terragrunt(tmp_path: Path) -> None:
    write(tmp_path, ".terraform.lock.hcl", 'provider "registry.terraform.io/x/y" {}\n')
    write(tmp_path, "image.pkr.hcl", "source {\n")
    project = loader.load([tmp_path], cwd=tmp_path)
    assert project.problems == [] and project.modules == {}
    assert terragrunt.is_config("root.hcl") and not terragrunt.is_config(".tflint.hcl")
    assert os.path.basename(terragrunt.UNIT_FILE) == "terragrunt.hcl"
