"""OpenTofu's files: `.tofu` and `.tofu.json` are configuration wherever they are (a tree, a
child module, a file named, a saved plan's snapshot); a `.tofu` file hides its `.tf` twin as
OpenTofu does; an encrypted plan is an input lint cannot read (exit 2), never a clean pass."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from eks_tf_auth import cli
from eks_tf_auth.lint import engine, hcl
from tests.lint.test_plans import saved_plan
from tests.support.trees import write

AUTH = 'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'
TOKEN_PROVIDER = 'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n}\n'
EXEC_PROVIDER = (
    'provider "kubernetes" {\n  exec {\n'
    '    api_version = "client.authentication.k8s.io/v1beta1"\n'
    '    command     = "eks-tf-auth"\n    args        = ["exec", "--cluster-name", "c"]\n  }\n}\n'
)
TOKEN_JSON = {
    "data": {"aws_eks_cluster_auth": {"a": {"name": "c"}}},
    "provider": {"kubernetes": {"token": "${data.aws_eks_cluster_auth.a.token}"}},
}
EXEC_JSON = {
    "provider": {
        "kubernetes": {
            "exec": {
                "api_version": "client.authentication.k8s.io/v1beta1",
                "command": "eks-tf-auth",
                "args": ["exec", "--cluster-name", "c"],
            }
        }
    }
}
# What OpenTofu writes for `plan -out` under plan encryption: a JSON envelope, not a zip.
ENCRYPTED = json.dumps(
    {
        "meta": {"key_provider.pbkdf2.k": "eyJzYWx0IjoiQUFBQSJ9"},
        "encrypted_data": "c2VjcmV0IHBsYW4gYnl0ZXM=",
        "encryption_version": "v0",
    }
)


def lint(root: Path, *paths: str) -> list[tuple[str, int, str]]:
    report = engine.run([root / p for p in paths] or [root], engine.Selection(), cwd=root)
    assert not report.problems, report.problems
    return [(f.path, f.line, f.rule_id) for f in report.findings]


def test_tofu_json_files_in_a_tree_are_configuration(tmp_path: Path) -> None:
    write(tmp_path, "stack/main.tofu.json", json.dumps(TOKEN_JSON, indent=2))
    assert lint(tmp_path) == [("stack/main.tofu.json", 11, "ETA001")]


def test_a_tofu_json_named_is_configuration_by_its_name(tmp_path: Path) -> None:
    """A generator's own top-level key makes the document no Terraform JSON configuration by
    its content; the name says it is one, so it is not taken for a plan that holds no token."""
    doc = {"__generated_by__": "a generator", **TOKEN_JSON}
    write(tmp_path, "stack/main.tofu.json", json.dumps(doc, indent=2))
    write(tmp_path, "stack/other.tofu.json", json.dumps({"locals": {"x": 1}}))
    assert lint(tmp_path, "stack/main.tofu.json") == [("stack/main.tofu.json", 12, "ETA001")]


def test_a_tofu_json_child_module_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "root/main.tf",
        AUTH + 'module "k" {\n  source = "../child"\n'
        "  token  = data.aws_eks_cluster_auth.a.token\n}\n",
    )
    child = {"variable": {"token": {}}, "provider": {"kubernetes": {"token": "${var.token}"}}}
    write(tmp_path, "child/main.tofu.json", json.dumps(child, indent=2))
    assert lint(tmp_path, "root") == [("child/main.tofu.json", 7, "ETA001")]


def test_a_tofu_child_module_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "root/main.tofu",
        'module "k" {\n  source = "../child"\n}\n'
        'provider "kubernetes" {\n  token = module.k.token\n}\n',
    )
    write(
        tmp_path,
        "child/main.tofu",
        AUTH + 'output "token" {\n  value = data.aws_eks_cluster_auth.a.token\n}\n',
    )
    assert lint(tmp_path, "root/main.tofu") == [
        ("child/main.tofu", 5, "ETA002"),
        ("root/main.tofu", 5, "ETA001"),
    ]


@pytest.mark.parametrize(
    ("shadowed", "twin", "token", "fixed"),
    [
        ("main.tf", "main.tofu", AUTH + TOKEN_PROVIDER, EXEC_PROVIDER),
        ("main.tf.json", "main.tofu.json", json.dumps(TOKEN_JSON), json.dumps(EXEC_JSON)),
    ],
)
def test_the_tofu_twin_hides_the_tf_file(
    tmp_path: Path, shadowed: str, twin: str, token: str, fixed: str
) -> None:
    """OpenTofu reads foo.tofu instead of foo.tf: the token in the hidden file is never
    used, and the one in the .tofu file is, however the module is given."""
    write(tmp_path, f"clean/{shadowed}", token)
    write(tmp_path, f"clean/{twin}", fixed)
    write(tmp_path, f"dirty/{shadowed}", fixed)
    write(tmp_path, f"dirty/{twin}", token)
    assert lint(tmp_path, "clean") == []
    assert lint(tmp_path, f"clean/{shadowed}") == []
    assert [(p, r) for p, _, r in lint(tmp_path, "dirty")] == [(f"dirty/{twin}", "ETA001")]
    # Naming the hidden file (pre-commit passes what was staged) lints the file that is read.
    assert [(p, r) for p, _, r in lint(tmp_path, f"dirty/{shadowed}")] == [
        (f"dirty/{twin}", "ETA001")
    ]


def test_a_tf_file_without_a_twin_is_read_beside_tofu_files(tmp_path: Path) -> None:
    write(tmp_path, "m/data.tf", AUTH)
    write(tmp_path, "m/providers.tofu", TOKEN_PROVIDER)
    assert lint(tmp_path, "m/data.tf") == []  # the finding is in the file beside it
    assert lint(tmp_path, "m") == [("m/providers.tofu", 2, "ETA001")]


def test_shadowing_rules() -> None:
    names = {"a.tf", "a.tofu", "b.tf.json", "b.tofu.json", "c.tf", "d.tf.json", "d.tofu"}
    hidden = {n for n in names if hcl.shadowed(n, names)}
    assert hidden == {"a.tf", "b.tf.json"}
    assert hcl.tofu_twin("x.tofu") is None
    assert hcl.tofu_twin("x.tf.json") == "x.tofu.json"


def test_a_saved_plan_snapshot_follows_the_twin_rule(tmp_path: Path) -> None:
    plan = saved_plan(
        tmp_path / "tfplan",
        {
            "tfplan": "",
            "tfconfig/m-/main.tf": AUTH + TOKEN_PROVIDER,
            "tfconfig/m-/main.tofu": EXEC_PROVIDER,
            "tfconfig/m-/other.tofu": AUTH + TOKEN_PROVIDER.replace("{\n", '{\n  alias = "o"\n'),
        },
    )
    found = lint(tmp_path, plan.name)
    assert found == [("tfplan!other.tofu", 6, "ETA001")]


@pytest.mark.parametrize("name", ["tfplan", "prod.tfplan", "plan.out"])
def test_an_encrypted_plan_is_reported_not_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    write(tmp_path, name, ENCRYPTED)
    assert cli.main(["lint", str(tmp_path / name)]) == 2
    err = capsys.readouterr().out.splitlines()
    assert len(err) == 1 and "an encrypted OpenTofu plan or state" in err[0], err
    assert "tofu show -json" in err[0]


def test_an_encrypted_plan_in_a_tree_and_on_stdin(tmp_path: Path) -> None:
    write(tmp_path, "stack/prod.tfplan", ENCRYPTED)
    report = engine.run([tmp_path], engine.Selection(), cwd=tmp_path)
    assert [(p.path, p.message[:33]) for p in report.problems] == [
        ("stack/prod.tfplan", "an encrypted OpenTofu plan or sta")
    ]
    assert report.exit_code == 2
    piped = engine.run(
        [Path("-")], engine.Selection(), cwd=tmp_path, stdin=io.BytesIO(ENCRYPTED.encode())
    )
    assert [p.path for p in piped.problems] == ["-"] and piped.exit_code == 2
