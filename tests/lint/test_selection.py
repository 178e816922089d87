"""Which directories the loader parses for the rules that do not start at a token: ETA010 (an
aws provider's role or profile beside, or above, an exec block) and the version constraints
that --fix=ephemeral reads from a versions.tf of their own. Through the CLI, as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from eks_tf_auth import cli
from eks_tf_auth.lint import engine, fix, loader
from tests.support.trees import write

ROLE = "arn:aws:iam::123456789012:role/deploy"
CLUSTER = 'data "aws_eks_cluster" "this" {\n  name = "prod"\n}\n'
EXEC = (
    'provider "kubernetes" {\n  host = data.aws_eks_cluster.this.endpoint\n  exec {\n'
    '    api_version = "client.authentication.k8s.io/v1beta1"\n    command     = "eks-tf-auth"\n'
    '    args        = ["exec", "--cluster-name", "prod"]\n  }\n}\n'
)
ROLE_PROVIDER = f'provider "aws" {{\n  assume_role {{\n    role_arn = "{ROLE}"\n  }}\n}}\n'
PROFILE_PROVIDER = 'provider "aws" {\n  profile = "deploy"\n}\n'


def lint(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = cli.main(["lint", *args])
    out = capsys.readouterr().out
    return code, [line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in out.splitlines()]


def test_a_role_beside_an_exec_block_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "stack/providers.tf", ROLE_PROVIDER + EXEC)
    write(tmp_path, "stack/data.tf", CLUSTER)
    monkeypatch.chdir(tmp_path)
    assert lint(tmp_path, capsys, "stack") == (1, ["stack/providers.tf:8:3: ETA010"])


def test_a_profile_above_a_module_that_runs_exec_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "root/main.tf", PROFILE_PROVIDER + 'module "k8s" {\n  source = "../k8s"\n}\n')
    write(tmp_path, "k8s/main.tf", CLUSTER + EXEC)
    monkeypatch.chdir(tmp_path)
    assert lint(tmp_path, capsys, "root/main.tf") == (1, ["k8s/main.tf:6:3: ETA010"])


def test_identity_alone_is_not_worth_parsing(tmp_path: Path) -> None:
    """A role with no exec anywhere near it, and an exec with no identity: nothing to parse."""
    write(tmp_path, "aws-only/main.tf", ROLE_PROVIDER + CLUSTER)
    write(tmp_path, "exec-only/main.tf", CLUSTER + EXEC)
    write(tmp_path, "caller/main.tf", PROFILE_PROVIDER + 'module "vpc" {\n  source = "../vpc"\n}\n')
    write(tmp_path, "vpc/main.tf", 'resource "aws_vpc" "this" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    assert loader.load([tmp_path], cwd=tmp_path).modules == {}


def test_version_constraints_in_their_own_file_allow_the_ephemeral_fix(tmp_path: Path) -> None:
    write(
        tmp_path,
        "main.tf",
        'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'
        'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n}\n',
    )
    write(
        tmp_path,
        "versions.tf",
        'terraform {\n  required_version = ">= 1.10"\n  required_providers {\n'
        '    aws = {\n      source  = "hashicorp/aws"\n      version = ">= 5.84"\n    }\n  }\n}\n',
    )
    # Read for --fix=ephemeral alone: linting has no use for it.
    parsed = [Path(f.path).name for m in loader.load([tmp_path]).modules.values() for f in m.files]
    assert parsed == ["main.tf"]
    fixes = fix.fix([tmp_path], mode="ephemeral")
    assert fixes.unfixed == ()
    [change] = fixes.changes
    assert change.new.startswith('ephemeral "aws_eks_cluster_auth" "a" {')


def with_args(args: str) -> str:
    return EXEC.replace('["exec", "--cluster-name", "prod"]', args)


PASSES_ROLE = with_args(f'["exec", "--cluster-name", "prod", "--role-arn", "{ROLE}"]')
OTHER_ROLE = with_args('["exec", "--cluster-name", "prod", "--role-arn", "arn:aws:iam::1:role/x"]')
SECOND = EXEC.replace('provider "kubernetes" {\n', 'provider "kubernetes" {\n  alias = "two"\n')
ROLE_OWN_LINE = with_args(
    f'[\n      "exec", "--cluster-name", "prod",\n      "--role-arn", "{ROLE}",\n    ]'
)


def test_exec_blocks_that_already_pass_the_role_are_not_parsed(tmp_path: Path) -> None:
    write(tmp_path, "settled/main.tf", ROLE_PROVIDER + CLUSTER + PASSES_ROLE)
    assert loader.load([tmp_path], cwd=tmp_path).modules == {}


@pytest.mark.parametrize(
    ("providers", "finding"),
    [(OTHER_ROLE, 1), (PASSES_ROLE + SECOND, 1), (ROLE_OWN_LINE, 0)],
    ids=["other-role", "one-of-two", "role-on-its-own-line"],
)
def test_what_cannot_be_seen_to_match_is_parsed(
    tmp_path: Path, providers: str, finding: int
) -> None:
    write(tmp_path, "m/main.tf", ROLE_PROVIDER + CLUSTER + providers)
    project = loader.load([tmp_path], cwd=tmp_path)
    assert list(project.modules) == [str(tmp_path / "m")]
    report = engine.run([tmp_path], engine.Selection(), cwd=tmp_path)
    assert [f.rule_id for f in report.findings] == ["ETA010"] * finding
