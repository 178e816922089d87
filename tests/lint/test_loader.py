"""What lint reads and parses: module following (inputs into children, outputs back to
callers), and files set aside until they name a tainted symbol."""

from __future__ import annotations

from pathlib import Path

from eks_tf_auth.lint import engine
from eks_tf_auth.lint.rule import Report

AUTH = 'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


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
