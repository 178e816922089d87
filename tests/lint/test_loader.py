"""What lint reads: module following, unreadable inputs, synthetic saved plans, flow edge cases."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from eks_tf_auth import cli
from eks_tf_auth.lint import engine, fix
from eks_tf_auth.lint.project import minted_at
from eks_tf_auth.lint.rule import Report

TOKEN = (
    "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtd2VzdC0yLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eS"
    "ZYLUFtei1EYXRlPTIwMjYxMTIyVDEwMDAwMFo"
)
AUTH = 'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(root: Path, *paths: str) -> Report:
    return engine.run([root / p for p in paths] or [root], engine.Selection(), cwd=root)


def test_minted_at() -> None:
    minted = minted_at(TOKEN)
    assert minted is not None and minted.isoformat() == "2026-11-22T10:00:00+00:00"
    assert minted_at("k8s-aws-v1.!!!") is None


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


def test_unreadable_inputs_are_problems(tmp_path: Path) -> None:
    (tmp_path / "gone.tfplan").symlink_to(tmp_path / "missing")
    (tmp_path / "bin.tfplan.json").write_bytes(b"\xff\xfe not utf-8")
    write(tmp_path, "bad.tfplan.json", "{oops")
    (tmp_path / "fake.tfplan").write_bytes(b"PK\x03\x04 not really a zip")
    report = run(tmp_path)
    messages = {p.path: p.message for p in report.problems}
    assert messages["gone.tfplan"].startswith("cannot read")
    assert messages["bin.tfplan.json"].startswith("cannot read")
    assert messages["bad.tfplan.json"] == "invalid JSON"
    assert messages["fake.tfplan"].startswith("not a readable saved plan")
    assert report.exit_code == 2


def saved_plan(path: Path, members: dict[str, str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def test_synthetic_saved_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = {
        "outputs": {"t": {"value": TOKEN}},
        "resources": [
            {
                "mode": "data",
                "type": "aws_eks_cluster_auth",
                "name": "a",
                "instances": [{"attributes": {"token": TOKEN}}],
            },
            {"type": "x", "instances": [{"attributes": {"note": TOKEN}}]},
        ],
    }
    saved_plan(
        tmp_path / "tfplan",
        {
            "tfstate": json.dumps(state),
            "tfconfig/modules.json": json.dumps(
                [{"Key": "", "Dir": "."}, "junk", {"Key": "k", "Dir": "mods/k"}]
            ),
            "tfconfig/m-/main.tf": AUTH + 'module "k" {\n  source = "./mods/k"\n'
            "  t = data.aws_eks_cluster_auth.a.token\n}\n"
            'module "quiet" {\n  source = "./mods/quiet"\n}\n'
            'module "absent" {\n  source = "./mods/absent"\n}\n',
            "tfconfig/m-k/main.tf": 'variable "t" {}\n'
            'provider "kubernetes" {\n  token = var.t\n}\n',
            "tfconfig/m-quiet/main.tf": 'resource "x" "y" {}\n',
            "tfconfig/m-broken/main.tf": 'provider "kubernetes" {\n  token =\n',
            "tfconfig/stray.tf": 'provider "kubernetes" {}\n',
        },
    )
    report = run(tmp_path, "tfplan")
    places = {(f.path, f.rule_id, f.message.split(",")[0]) for f in report.findings}
    assert (
        "tfplan!mods/k/main.tf",
        "ETA001",
        "provider.kubernetes: token comes from data.aws_eks_cluster_auth.a via var.t",
    ) in places
    assert {m for _, r, m in places if r == "ETA008"} == {
        "the plan carries an EKS token from output.t",
        "the plan carries an EKS token from data.aws_eks_cluster_auth.a",
        "the plan carries an EKS token from (unknown)",  # a state object with no name
    }
    assert [p.path for p in report.problems] == ["tfplan!broken/main.tf"]
    assert fix.fix([tmp_path / "tfplan"]) == []  # a snapshot is never edited
    assert cli.main(["lint", "--fix", str(tmp_path / "tfplan")]) == 2
    assert "fixed 0 file(s)" in capsys.readouterr().err


def test_saved_plan_without_modules_json(tmp_path: Path) -> None:
    saved_plan(tmp_path / "tfplan", {"tfconfig/m-/main.tf": AUTH})
    report = run(tmp_path, "tfplan")
    assert [(f.path, f.rule_id) for f in report.findings] == [("tfplan!main.tf", "ETA003")]


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


def test_files_that_name_a_tainted_symbol_are_parsed_the_rest_never(tmp_path: Path) -> None:
    write(tmp_path, "data.tf", AUTH + "locals {\n  t = data.aws_eks_cluster_auth.a.token\n}\n")
    write(tmp_path, "store.tf", 'resource "x" "y" {\n  v = local.t\n}\n')
    write(tmp_path, "other.tf", 'resource "x" "z" {{{ broken, and never parsed\n')
    report = run(tmp_path)
    assert [(f.path, f.line, f.rule_id) for f in report.findings] == [("store.tf", 2, "ETA002")]
    assert report.problems == ()
