"""Real artefacts: real terraform + the aws provider (offline mirror) against moto make a saved
plan and `terraform show -json`, with the EKS token wired into an output, a module input and an
aliased provider's credential attribute; lint reads both directly."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eks_tf_auth import cli
from tests.conftest import TEST_ACCESS_KEY, TEST_SECRET, require_tool
from tests.support.terraform import Terraform, write_cli_config

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
