"""Plan artefacts. Synthetic ones first: unreadable plans, a hand-made saved plan (a zip with
tfstate and a tfconfig/ snapshot). Then real ones (marked real): terraform + the aws provider
(offline mirror) against moto make a saved plan and `terraform show -json`, with the EKS token
wired into an output, a module input and an aliased provider's credential attribute; lint reads
both directly."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eks_tf_auth import cli, token
from eks_tf_auth.lint import engine, fix
from eks_tf_auth.lint.rule import Report
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET
from tests.support.terraform import Terraform, write_cli_config
from tests.support.tools import require_tool

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


def test_signing_time_of_a_plan_token(tmp_path: Path) -> None:
    """lint reads when a token was minted with token.signed_at, the token format's own reader."""
    minted = token.signed_at(TOKEN)
    assert minted is not None and minted.isoformat() == "2026-11-22T10:00:00+00:00"
    assert token.signed_at("k8s-aws-v1.!!!") is None
    write(tmp_path, "show.tfplan.json", json.dumps({"output_changes": {"t": {"after": TOKEN}}}))
    [finding] = run(tmp_path).findings
    assert "minted 2026-11-22T10:00:00Z, expires 2026-11-22T10:15:00Z" in finding.message


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


# --- real plans, made by terraform ------------------------------------------------------------


ROOT_TF = """
variable "moto_url" { type = string }

provider "aws" {
  region                      = "us-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    eks = var.moto_url
    sts = var.moto_url
  }
}

data "aws_eks_cluster_auth" "this" {
  name = "prod"
}

provider "aws" {
  alias                       = "wired"
  region                      = "us-west-2"
  access_key                  = "ACCESS"
  secret_key                  = "SECRET"
  token                       = data.aws_eks_cluster_auth.this.token
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

module "consumer" {
  source = "./consumer"
  token  = data.aws_eks_cluster_auth.this.token
}

output "token" {
  value     = data.aws_eks_cluster_auth.this.token
  sensitive = true
}
""".replace("ACCESS", TEST_ACCESS_KEY).replace("SECRET", TEST_SECRET)

CONSUMER_TF = """
variable "token" {
  type      = string
  sensitive = true
}

output "token_length" {
  value = length(var.token)
}
"""


@pytest.fixture(scope="module")
def plans(
    tmp_path_factory: pytest.TempPathFactory,
    moto_url: str,
    moto_cluster: str,
    terraform_bin: str,
    mirror: Path,
) -> Iterator[tuple[Path, Path, datetime]]:
    work = tmp_path_factory.mktemp("plan")
    (work / "main.tf").write_text(ROOT_TF)
    (work / "consumer").mkdir()
    (work / "consumer" / "main.tf").write_text(CONSUMER_TF)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=TEST_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=TEST_SECRET,
        AWS_EC2_METADATA_DISABLED="true",
    )
    tf = Terraform(
        require_tool("terraform"), work, write_cli_config(work / "cli.tfrc", mirror), env
    )
    tf.run("init", "-no-color")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    tf.run("plan", "-no-color", "-out", "tfplan", f"-var=moto_url={moto_url}")
    (work / "plan.json").write_text(tf.run("show", "-json", "tfplan").stdout)
    yield work / "tfplan", work / "plan.json", before


def lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["lint", *args])
    return code, capsys.readouterr().out


@pytest.mark.real
def test_saved_plan_and_show_json_carry_the_token(
    plans: tuple[Path, Path, datetime],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved, shown, before = plans
    assert saved.read_bytes()[:4] == b"PK\x03\x04"  # a zip, read without terraform
    assert "k8s-aws-v1." in shown.read_text()
    monkeypatch.chdir(saved.parent)
    code, out = lint(capsys, "--format", "json", "--select", "ETA008", "tfplan", "plan.json")
    assert code == 1
    findings = json.loads(out)["findings"]
    by_file = {f["path"] for f in findings}
    assert by_file == {"tfplan", "plan.json"}
    sources = [re.search(r"token from (\S+),", f["message"]) for f in findings]
    assert {m.group(1) for m in sources if m} == {"data.aws_eks_cluster_auth.this", "output.token"}
    minted = {
        datetime.strptime(m, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        for f in findings
        for m in re.findall(r"minted (\S+),", f["message"])
    }
    assert minted and all(
        before - timedelta(seconds=5) <= m <= before + timedelta(minutes=5) for m in minted
    )
    assert all("15 minutes later" in f["message"] for f in findings)


@pytest.mark.real
def test_saved_plan_snapshot_is_linted_as_configuration(
    plans: tuple[Path, Path, datetime],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved, _, _ = plans
    monkeypatch.chdir(saved.parent)
    code, out = lint(capsys, "--format", "json", "--select", "ETA002", "tfplan")
    findings = json.loads(out)["findings"]
    places = {(f["path"], f["line"]) for f in findings}
    assert code == 1
    assert (
        "tfplan!main.tf",
        ROOT_TF.splitlines().index("  value     = data.aws_eks_cluster_auth.this.token") + 1,
    ) in places
    assert ("tfplan!consumer/main.tf", 8) in places  # via the module input


@pytest.mark.real
def test_atlantis_policy_check_on_the_showfile(
    plans: tuple[Path, Path, datetime],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, shown, _ = plans
    monkeypatch.setenv("SHOWFILE", str(shown))
    code, out = lint(capsys, "--atlantis")
    assert code == 0
    assert re.search(r"[1-9][0-9]* failure", out)
