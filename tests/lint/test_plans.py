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
import struct
import zipfile
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eks_tf_auth import cli, token
from eks_tf_auth.lint import engine, fix
from eks_tf_auth.lint import plans as plan_reader
from eks_tf_auth.lint.inputs import MIB
from eks_tf_auth.lint.rule import Report
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET
from tests.support.terraform import Terraform, write_cli_config
from tests.support.tools import require_tool
from tests.support.trees import write

TOKEN = (
    "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtd2VzdC0yLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eS"
    "ZYLUFtei1EYXRlPTIwMjYxMTIyVDEwMDAwMFo"
)
AUTH = 'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'


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
    assert messages["gone.tfplan"] == "cannot read: No such file or directory"
    assert messages["bin.tfplan.json"] == "cannot read: not UTF-8 text (byte 0xff)"
    assert messages["bad.tfplan.json"].startswith("invalid JSON: Expecting property name")
    assert messages["fake.tfplan"] == "not a readable saved plan: File is not a zip file"
    assert report.exit_code == 2


def saved_plan(path: Path, members: dict[str, str], *, method: int = zipfile.ZIP_STORED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return path


def zip_bomb(path: Path, *, mib: int, name: bytes = b"tfstate") -> Path:
    """A valid zip whose one member deflates `mib` MiB of zeros into ~1 KB per MiB, built from
    one compressed MiB repeated (a full flush resets the compressor, so the pieces are equal)."""
    zeros = b"\0" * MIB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = piece * mib + compressor.flush()
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    size, n = mib * MIB, len(name)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, n, 0)
    central = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size, n, 0, 0, 0, 0, 0, 0
    )
    offset = len(local) + n + len(data)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + n, offset, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(local + name + data + central + name + end)
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
    fixes = fix.fix([tmp_path / "tfplan"])
    assert fixes.changes == ()  # a snapshot is never edited
    assert {u.reason for u in fixes.unfixed if u.finding.rule_id == "ETA001"} == {
        "inside a saved plan: fix the configuration and plan again"
    }
    assert cli.main(["lint", "--fix", str(tmp_path / "tfplan")]) == 2
    err = capsys.readouterr().err
    assert "fixed 0 finding(s) in 0 file(s); 4 left" in err
    assert "tfplan!mods/k/main.tf:3:3: ETA001 not fixed: inside a saved plan" in err


def test_saved_plan_without_modules_json(tmp_path: Path) -> None:
    saved_plan(tmp_path / "tfplan", {"tfconfig/m-/main.tf": AUTH})
    report = run(tmp_path, "tfplan")
    assert [(f.path, f.rule_id) for f in report.findings] == [("tfplan!main.tf", "ETA003")]


def test_a_deep_plan_is_walked_without_recursion(tmp_path: Path) -> None:
    deep = "[" * 700 + json.dumps(TOKEN) + "]" * 700
    write(tmp_path, "deep.tfplan.json", '{"outputs": {"t": {"value": ' + deep + "}}}")
    write(tmp_path, "deeper.tfplan.json", "[" * 100_000 + "]" * 100_000)
    report = run(tmp_path)
    assert [(f.path, f.message.split(",")[0]) for f in report.findings] == [
        ("deep.tfplan.json", "the plan carries an EKS token from output.t")
    ]
    assert [(p.path, p.message) for p in report.problems] == [
        ("deeper.tfplan.json", "invalid JSON: nested too deeply")
    ]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"tfstate": '{"n": ' + "1" * 5000 + "}"}, "tfstate:1:7: invalid JSON: a number with more"),
        (
            {"tfstate": "{}", "tfconfig/modules.json": '{"Key": ""}'},
            "modules.json is not a JSON list",
        ),
        ({"tfstate": "{}", "tfconfig/modules.json": "7"}, "modules.json is not a JSON list"),
        ({"tfconfig/modules.json": "[oops"}, "tfconfig/modules.json:1:2: invalid JSON: Expecting"),
    ],
)
def test_bad_members_are_one_line_problems(
    tmp_path: Path, members: dict[str, str], message: str
) -> None:
    saved_plan(tmp_path / "tfplan", members)
    write(
        tmp_path,
        "ok/main.tf",
        AUTH + 'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n}\n',
    )
    report = run(tmp_path)
    assert [f.path for f in report.findings] == ["ok/main.tf"]
    [problem] = report.problems
    assert problem.path == "tfplan" and message in problem.message
    assert problem.message.startswith("not a readable saved plan: ")


def test_zips_terraform_never_writes_are_refused_unread(tmp_path: Path) -> None:
    saved_plan(tmp_path / "bz.tfplan", {"tfstate": "{}"}, method=zipfile.ZIP_BZIP2)
    saved_plan(tmp_path / "lz.tfplan", {"tfstate": "{}"}, method=zipfile.ZIP_LZMA)
    locked = saved_plan(tmp_path / "locked.tfplan", {"tfstate": "{}"})
    data = bytearray(locked.read_bytes())
    for at in (data.find(b"PK\x03\x04") + 6, data.find(b"PK\x01\x02") + 8):
        data[at] |= 0x1  # the encrypted flag, in the local and the central header
    locked.write_bytes(bytes(data))
    with zipfile.ZipFile(tmp_path / "ignored.tfplan", "w") as archive:  # members never read
        archive.writestr("tfplan", "x", compress_type=zipfile.ZIP_BZIP2)
        archive.writestr("tfconfig/m-/main.tf", AUTH)
    report = run(tmp_path)
    assert [(p.path, p.message) for p in report.problems] == [
        ("bz.tfplan", "not a readable saved plan: tfstate uses compression method 12, not deflate"),
        ("locked.tfplan", "not a readable saved plan: tfstate is encrypted"),
        ("lz.tfplan", "not a readable saved plan: tfstate uses compression method 14, not deflate"),
    ]


def test_corrupt_deflate_data_is_a_problem(tmp_path: Path) -> None:
    plan = saved_plan(
        tmp_path / "tfplan", {"tfstate": json.dumps({"a": "b" * 1000})}, method=zipfile.ZIP_DEFLATED
    )
    data = bytearray(plan.read_bytes())
    start = data.find(b"tfstate") + len("tfstate")
    data[start : start + 8] = b"\xff" * 8
    plan.write_bytes(bytes(data))
    [problem] = run(tmp_path).problems
    assert problem.message.startswith("not a readable saved plan: Error -3 while decompressing")


def test_zip_bombs_and_oversized_members_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zip_bomb(tmp_path / "bomb/tfplan", mib=8)  # 8 MiB from 8 KB: ~1000:1
    zip_bomb(tmp_path / "small/tfplan", mib=1)  # 1 MiB: under the ratio floor, so read
    report = run(tmp_path)
    assert [(p.path, p.message) for p in report.problems] == [
        (
            "bomb/tfplan",
            "not a readable saved plan: tfstate expands 1010 times (8 MiB), over the 200:1 cap "
            "for compressed members",
        ),
        ("small/tfplan", "not a readable saved plan: tfstate:1:1: invalid JSON: Expecting value"),
    ]
    monkeypatch.setattr(plan_reader, "MAX_INPUT_BYTES", 2048)
    monkeypatch.setattr(plan_reader, "MAX_MEMBERS_BYTES", 4096)
    saved_plan(tmp_path / "caps/one.tfplan", {"tfstate": json.dumps({"a": "b" * 3000})})
    spaces = {f"tfconfig/m-/{n}.tf": " " * 1500 for n in "abc"}
    saved_plan(tmp_path / "caps/all.tfplan", {"tfstate": "{}", **spaces})
    report = run(tmp_path / "caps")
    assert [(p.path, p.message.split(": ", 1)[1]) for p in report.problems] == [
        ("all.tfplan", "its members expand to 4502 bytes, over the 4096 bytes cap"),
        ("one.tfplan", "tfstate expands to 3009 bytes, over the 2048 bytes cap"),
    ]


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
