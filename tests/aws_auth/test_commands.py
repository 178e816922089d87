"""`eks-tf-auth aws-auth get|upsert|remove|remove-by-username|validate`: in this process through
`main([...])` against the HTTPS EKS API double (a kubeconfig, a context, in-cluster, a cluster
by name), and as kubectl and a CI job run it (`real`): the installed console script, 20 writers at
once, kubectl reading back what was written, DescribeCluster from moto's EKS."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eks_tf_auth.cli import main
from eks_tf_auth.kube.aws_auth import AwsAuth
from tests.aws_auth.helpers import (
    ALICE,
    CONTEXT,
    DEPLOY,
    NAME,
    NODE,
    NS,
    SEED,
    SEED_ROLES,
    assert_seed_kept,
    kubeconfig_file,
    mappings,
    role,
    stored,
    version,
    writes,
)
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.tools import BIN_DIR, kubectl_binary, real_tool
from tests.test_bad_input import CASES

UPSERT = ["upsert", "--maproles", "--rolearn", DEPLOY, "--username", "deploy"]
NO_WAIT = ["--retry-min-time", "0ms", "--retry-max-time", "0s"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["aws-auth", *args])
    out, err = capsys.readouterr()
    return code, out, err


def error_line(err: str, *parts: str) -> None:
    """stderr is one error line and at most a hint."""
    lines = err.splitlines()
    assert lines and lines[0].startswith("eks-tf-auth: error: ") and len(lines) <= 2, err
    assert len(lines) == 1 or lines[1].startswith("hint: "), err
    for part in parts:
        assert part in lines[0], err


# -- get ---------------------------------------------------------------------------------------


def test_get_as_a_table_json_and_yaml(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "get")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "TYPE     ARN                                   USERNAME                           GROUPS",
        "role     arn:aws:iam::111122223333:role/node   system:node:{{EC2PrivateDNSName}}"
        "  system:bootstrappers,system:nodes",
        "user     arn:aws:iam::111122223333:user/alice  alice                              devs",
        "account  444455556666",
    ]
    code, out, _ = run(capsys, "get", "-o", "json")
    doc = json.loads(out)
    assert doc["mapUsers"] == [{"arn": ALICE, "username": "alice", "groups": ["devs"], "line": 1}]
    assert (doc["mapAccounts"], doc["invalidKeys"]) == (["444455556666"], [])
    code, out, _ = run(capsys, "get", "--output", "yaml")
    assert (code, yaml.safe_load(out)) == (0, doc)
    assert writes(seeded) == []


def test_get_never_creates_a_missing_configmap(
    double: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "get")
    assert (code, out) == (1, "")
    error_line(err, "there is no kube-system/aws-auth ConfigMap in eks")
    assert [(r.method, r.status) for r in double.requests] == [("GET", 404)]


# -- upsert ------------------------------------------------------------------------------------


def test_upsert_writes_once_keeps_everything_and_backs_up_first(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *UPSERT, "--groups", "deployers,readers", "--groups", "ops")
    assert (code, out) == (0, "")
    [backup] = sorted(cli.iterdir())
    assert err == (
        f"aws-auth in eks: 1 added, 0 updated, 0 removed; the previous ConfigMap is in {backup}\n"
    )
    data = stored(seeded)
    assert_seed_kept(data)
    assert data is not None
    assert mappings(data)["mapRoles"][-1] == (DEPLOY, "deploy", ("deployers", "readers", "ops"))
    assert [(r.method, r.status) for r in seeded.requests] == [("GET", 200), ("PUT", 200)]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert json.loads(backup.read_text())["data"] == SEED


def test_a_no_op_writes_nothing(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--mapusers", "--userarn", ALICE, "--username", "alice", "--groups", "devs"]
    code, out, err = run(capsys, "upsert", *args)
    assert (code, out) == (0, "")
    assert err == "no change: the aws-auth mappings in eks already say so\n"
    assert writes(seeded) == [] and version(seeded) == "2"
    assert not cli.exists()  # no backup either


def test_dry_run_prints_the_unified_diff_and_writes_nothing(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *UPSERT, "--groups", "deployers", "--dry-run")
    assert code == 0
    assert out == (
        "--- a/data/mapRoles\n"
        "+++ b/data/mapRoles\n"
        "@@ -4,3 +4,7 @@\n"
        "   groups:\n"
        "     - system:bootstrappers\n"
        "     - system:nodes\n"
        "+- rolearn: arn:aws:iam::111122223333:role/deploy\n"
        "+  username: deploy\n"
        "+  groups:\n"
        "+    - deployers\n"
    )
    assert err == "dry run: nothing written\n"
    assert writes(seeded) == [] and stored(seeded) == SEED and not cli.exists()


def test_upsert_creates_only_with_create(
    double: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *UPSERT)
    assert code == 1
    error_line(err, "there is no kube-system/aws-auth ConfigMap in eks; nothing to edit")
    assert "hint: pass --create" in err
    assert writes(double) == []
    code, _, err = run(capsys, *UPSERT, "--groups", "deployers", "--create")
    assert (code, err) == (0, "aws-auth in eks: 1 added, 0 updated, 0 removed\n")
    assert [(r.method, r.status) for r in writes(double)] == [("POST", 201)]
    assert mappings(stored(double) or {}) == {
        "mapRoles": [(DEPLOY, "deploy", ("deployers",))],
        "mapUsers": [],
    }


def test_a_conflict_storm_past_the_retry_budget(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded.answer(409, methods={"PUT"})
    code, out, err = run(capsys, *UPSERT, "--retry-max-count", "3", *NO_WAIT)
    assert (code, out) == (1, "")
    error_line(err, "in eks kept changing: 3 conflicting write(s), nothing written")
    assert [r.status for r in writes(seeded)] == [409, 409, 409]  # tries == --retry-max-count
    assert (stored(seeded), version(seeded)) == (SEED, "2")


def test_no_retry_tries_once(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded.answer(409, methods={"PUT"})
    code, _, err = run(capsys, *UPSERT, "--no-retry")
    assert code == 1
    error_line(err, "1 conflicting write(s)")
    assert len(writes(seeded)) == 1


def test_a_409_then_success_is_retried_once(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded.answer(409, methods={"PUT"}, times=1)
    code, _, err = run(capsys, *UPSERT, "--retry-min-time", "1ms", "--retry-max-time", "0.002")
    assert code == 0
    assert "aws-auth in eks: 1 added, 0 updated, 0 removed after 1 conflicting write(s)" in err
    assert [r.status for r in writes(seeded)] == [409, 200]
    assert len(list(cli.iterdir())) == 2  # a backup before each write
    assert_seed_kept(stored(seeded))


def test_a_403_is_not_retried_and_names_the_cluster(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded.answer(403, methods={"PUT"})
    code, _, err = run(capsys, *UPSERT, *NO_WAIT)
    assert code == 1
    error_line(err, "cannot replace ConfigMap kube-system/aws-auth in cluster 'eks': 403")
    assert "hint: RBAC:" in err
    assert [r.status for r in writes(seeded)] == [403]
    assert stored(seeded) == SEED


def test_as_and_as_group_arrive_on_every_request(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    as_flags = ["--as", "admin", "--as-group", "ops", "--as-group", "auditors"]
    assert run(capsys, *UPSERT, *as_flags)[0] == 0
    assert run(capsys, "get", *as_flags)[0] == 0
    assert [r.method for r in seeded.requests] == ["GET", "PUT", "GET"]
    assert {(r.impersonate_user, r.impersonate_groups) for r in seeded.requests} == {
        ("admin", ("ops", "auditors"))
    }
    assert {r.arn for r in seeded.requests} == {TEST_ARN}


def test_update_username_false_and_append(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = ["upsert", "--mapusers", "--userarn", ALICE]
    code, _, err = run(
        capsys, *alice, "--username", "alice2", "--update-username=false", "--groups", "devs"
    )
    assert (code, err.split(":")[0]) == (0, "no change")  # same groups, username kept
    code, _, err = run(
        capsys, *alice, "--username", "alice2", "--update-username", "false", "--groups", "ops"
    )
    assert (code, err.startswith("aws-auth in eks: 0 added, 1 updated, 0 removed")) == (0, True)
    assert mappings(stored(seeded) or {})["mapUsers"] == [(ALICE, "alice", ("ops",))]
    code, _, _ = run(capsys, *alice, "--username", "alice", "--append", "--groups", "devs,ops")
    assert mappings(stored(seeded) or {})["mapUsers"] == [(ALICE, "alice", ("ops", "devs"))]
    code, _, err = run(capsys, *alice, "--username", "alice", "--append", "--groups", "devs")
    assert err.startswith("no change")
    data = stored(seeded)
    assert data is not None
    [entry] = AwsAuth.parse(data).entries("mapUsers")
    assert entry.extra == {"userid": "AIDAEXAMPLEALICE00001"}
    assert data["mapRoles"] == SEED_ROLES and data["mapAccounts"] == SEED["mapAccounts"]


# -- remove, remove-by-username ----------------------------------------------------------------

NARROW = {
    "mapRoles": f"""\
- rolearn: {DEPLOY}
  username: deploy
  groups: [a, b]
- rolearn: {DEPLOY}
  username: ci
  groups: [a, b]
- rolearn: {DEPLOY}
  username: deploy
  groups: [c]
""",
    "mapAccounts": '- "444455556666"\n',
}


def test_remove_narrowed_by_username_and_groups_removes_only_full_matches(
    double: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    double.put_configmap(NS, NAME, NARROW)
    remove = ["remove", "--maproles", "--rolearn", DEPLOY]
    code, _, err = run(capsys, *remove, "--username", "deploy", "--groups", "b,a")
    assert (code, err.split(";")[0]) == (0, "aws-auth in eks: 0 added, 0 updated, 1 removed")
    assert mappings(stored(double) or {})["mapRoles"] == [
        (DEPLOY, "ci", ("a", "b")),
        (DEPLOY, "deploy", ("c",)),
    ]
    before = version(double)
    code, _, err = run(capsys, *remove, "--username", "deploy", "--groups", "a")  # no full match
    assert code == 2
    error_line(err, f"no mapping of {DEPLOY} to remove in eks")
    assert "--force" in err
    code, _, err = run(capsys, *remove, "--username", "nobody", "--force")
    assert (code, err) == (0, "no change: the aws-auth mappings in eks already say so\n")
    assert version(double) == before  # neither wrote
    assert run(capsys, *remove, "--groups", "c")[0] == 0
    assert mappings(stored(double) or {})["mapRoles"] == [(DEPLOY, "ci", ("a", "b"))]
    assert (stored(double) or {})["mapAccounts"] == NARROW["mapAccounts"]


def test_remove_by_username(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "remove-by-username", "--username", "alice", "--dry-run")
    assert (code, err) == (0, "dry run: nothing written\n")
    assert writes(seeded) == []
    code, _, err = run(capsys, "remove-by-username", "--username", "alice")
    assert (code, err.split(";")[0]) == (0, "aws-auth in eks: 0 added, 0 updated, 1 removed")
    data = stored(seeded)
    assert data is not None and mappings(data)["mapUsers"] == []
    assert data["mapRoles"] == SEED_ROLES


# -- targets -----------------------------------------------------------------------------------


def test_a_kubeconfig_and_context(
    seeded: EksApiDouble, kubeconfig: Path, aws_env: AwsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "get", "--kubeconfig", str(kubeconfig), "--context", "eks")
    assert code == 0 and ALICE in out
    code, _, err = run(capsys, "get", "--kubeconfig", str(kubeconfig), "--context", "other")
    assert code == 1
    error_line(err, "in cluster 'other': 401 Unauthorized")


def test_in_cluster_explicit_and_by_default_in_a_pod(
    seeded: EksApiDouble,
    service_account: dict[str, str],
    aws_env: AwsEnv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in service_account.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("EKS_TF_AUTH_BACKUP_DIR", str(tmp_path / "backups"))
    code, _, err = run(capsys, *UPSERT, "--in-cluster")
    assert (code, err.split(":")[0]) == (0, "aws-auth in in-cluster")
    code, out, _ = run(capsys, "get")  # KUBERNETES_SERVICE_HOST, no kubeconfig: in-cluster
    assert code == 0 and DEPLOY in out
    assert len(seeded.requests) == 3


def test_a_cluster_by_name(
    seeded: EksApiDouble,
    described: list[str],
    cli: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, *UPSERT, "--cluster-name", "prod", "--region", "us-west-2")
    assert (code, err.split(":")[0]) == (0, "aws-auth in prod")
    assert described == ["prod"]
    assert {r.arn for r in seeded.requests} == {TEST_ARN}
    assert_seed_kept(stored(seeded))


# -- validate ----------------------------------------------------------------------------------

CLEAN = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes]
"""
NOTES_ONLY = CLEAN + '  mapAccounts: |\n    - "444455556666"\n'
WARNING = CLEAN + "  mapUsers: |\n    - userarn: arn:aws:iam::111122223333:user/bob\n"
ERROR = CLEAN.replace("role/node", "role/eks/node")


@pytest.mark.parametrize(
    ("text", "code", "report"),
    [
        (CLEAN, 0, "{src}: no findings\n"),
        (
            NOTES_ONLY,
            0,
            "{src}: mapAccounts:1: note: every IAM identity in 444455556666 that no entry maps "
            "can authenticate, as its ARN with no groups [account-allowed]\n",
        ),
        (WARNING, 1, "{src}: mapUsers:1: warning: no username"),
        (ERROR, 1, "{src}: mapRoles:1: error: arn:aws:iam::111122223333:role/eks/node has"),
    ],
    ids=["clean", "notes-only", "warning", "error"],
)
def test_validate_a_file_and_stdin(
    text: str,
    code: int,
    report: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "aws-auth.yaml"
    path.write_text(text)
    got, out, err = run(capsys, "validate", "-f", str(path))
    assert (got, err) == (code, "")
    assert out.startswith(report.format(src=path))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    got, out, err = run(capsys, "validate", "-f", "-")
    assert (got, err) == (code, "")
    assert out.startswith(report.format(src="<stdin>"))
    assert path.read_text() == text


def test_validate_as_json_and_sarif(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("aws-auth.yaml").write_text(ERROR)
    code, out, _ = run(capsys, "validate", "-f", "aws-auth.yaml", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["source"] == "aws-auth.yaml"
    assert [(f["code"], f["key"], f["line"], f["severity"]) for f in doc["findings"]] == [
        ("role-arn-path", "mapRoles", 1, "error")
    ]
    code, out, _ = run(capsys, "validate", "-f", "aws-auth.yaml", "--format", "sarif")
    [sarif_run] = json.loads(out)["runs"]
    [result] = sarif_run["results"]
    assert code == 1 and (result["ruleId"], result["level"]) == ("role-arn-path", "error")
    location = result["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "aws-auth.yaml"}, "region": {"startLine": 1}}


def test_validate_a_cluster(
    seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "validate")
    assert code == 0  # the seed has notes only
    assert out.splitlines()[0].startswith("eks: mapAccounts:1: note:")
    seeded.put_configmap(NS, NAME, {"mapRoles": "- rolearn: nope\n"})
    assert run(capsys, "validate")[0] == 1
    assert writes(seeded) == []


def test_validate_a_cluster_without_the_configmap(
    double: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "validate")
    assert code == 2
    error_line(err, "there is no aws-auth ConfigMap in eks")


def test_validate_with_stdin_closed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    code, _, err = run(capsys, "validate", "-f", "-")
    assert code == 2
    error_line(err, "standard input is closed")


# -- usage -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["upsert", "--rolearn", DEPLOY, "--username", "u"], "say which map"),
        (
            ["upsert", "--maproles", "--userarn", ALICE, "--username", "u"],
            "--maproles takes --rolearn",
        ),
        (["upsert", "--mapusers", "--username", "u"], "--mapusers takes --userarn"),
        (
            ["upsert", "--maproles", "--rolearn", DEPLOY, "--userarn", ALICE, "--username", "u"],
            "takes",
        ),
        ([*UPSERT, "--retry-max-time", "2h"], "Invalid value for '--retry-max-time': '2h'"),
        ([*UPSERT, "--retry-min-time", "2s", "--retry-max-time", "1s"], "min time <= max time"),
        ([*UPSERT, "--as-group", "g"], "impersonating groups needs a user too"),
        (["upsert", "--maproles", "--rolearn", DEPLOY, "--username", "aws:x"], "reserves"),
        (["remove", "--mapusers", "--userarn", "arn:aws:s3:::b"], "not an IAM identity ARN"),
    ],
)
def test_usage_errors(
    seeded: EksApiDouble,
    cli: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    error_line(err, message)
    assert writes(seeded) == []


def test_durations(seeded: EksApiDouble, cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeded.answer(409, methods={"PUT"}, times=2)
    code, _, err = run(capsys, *UPSERT, "--retry-min-time", "0.001", "--retry-max-time", "0.0001m")
    assert code == 0 and "after 2 conflicting write(s)" in err


AWS_AUTH_ROWS = sorted(
    n for n, case in CASES.items() if n.startswith("aws-auth") and not case.stdout
)


def tree(root: Path) -> dict[str, object]:
    """Every path under root with its bytes (a FIFO or directory: its kind), read-only."""
    found: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        mode = path.lstat().st_mode
        found[str(path.relative_to(root))] = path.read_bytes() if stat.S_ISREG(mode) else mode
    return found


@pytest.mark.parametrize("name", AWS_AUTH_ROWS)
def test_bad_input_rows_write_nothing(
    name: str,
    aws_env: AwsEnv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """tests/test_bad_input.py's aws-auth rows, in this process: the exit code, and nothing
    written or removed anywhere (the manifest, backups, HOME)."""
    case = CASES[name]
    if case.setup is not None:
        case.setup(tmp_path)
    for key, value in case.env.items():
        monkeypatch.setenv(key, value.replace("{tmp}", str(tmp_path)))
    stdin = case.stdin.encode() if isinstance(case.stdin, str) else case.stdin or b""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    assert main([a.replace("{tmp}", str(tmp_path)) for a in case.argv]) == case.code
    error_line(capsys.readouterr().err)
    assert tree(tmp_path) == before


# -- real: the console script, kubectl, moto ---------------------------------------------------


def script(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    real_tool("the eks-tf-auth console script")
    return subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), "aws-auth", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def script_env(aws_env: AwsEnv, kubeconfig: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **aws_env.env,
        "KUBECONFIG": str(kubeconfig),
        "EKS_TF_AUTH_BACKUP_DIR": str(tmp_path / "backups"),
    }


@pytest.mark.real
def test_twenty_writers_at_once_lose_nothing(
    seeded: EksApiDouble, script_env: dict[str, str], tmp_path: Path
) -> None:
    real_tool("the eks-tf-auth console script")
    writers = [role(f"writer-{n:02d}") for n in range(20)]
    procs = [
        subprocess.Popen(
            [
                str(BIN_DIR / "eks-tf-auth"),
                "aws-auth",
                *UPSERT[:2],
                "--rolearn",
                arn,
                "--groups",
                "writers",
                "--username",
                f"writer-{n}",
            ],
            env=script_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, arn in enumerate(writers)
    ]
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    for (out, err), code in results:
        assert (code, out) == (0, ""), err
    data = stored(seeded)
    assert_seed_kept(data)
    assert data is not None
    roles = mappings(data)["mapRoles"]
    assert sorted(arn for arn, _, _ in roles[1:]) == writers  # every one, once
    assert roles[0] == (
        NODE,
        "system:node:{{EC2PrivateDNSName}}",
        ("system:bootstrappers", "system:nodes"),
    )
    puts = writes(seeded)
    assert sum(r.status == 200 for r in puts) == 20
    conflicts = sum(r.status == 409 for r in puts)
    assert len(puts) == 20 + conflicts  # nothing but conflicts failed
    reported = sum(
        int(err.split(" after ")[1].split()[0]) for (_, err), _ in results if " after " in err
    )
    assert reported == conflicts  # each writer counts the 409s it met
    assert len(list((tmp_path / "backups").iterdir())) == len(puts)  # a backup per write


@pytest.mark.real
def test_a_conflict_storm_through_the_console_script(
    seeded: EksApiDouble, script_env: dict[str, str]
) -> None:
    seeded.answer(409, methods={"PUT"})
    proc = script(script_env, *UPSERT, "--retry-max-count", "4", *NO_WAIT)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == (
        "eks-tf-auth: error: the kube-system/aws-auth ConfigMap in eks kept changing: "
        "4 conflicting write(s), nothing written\n"
        "hint: other writers are editing it; try again, or raise --retry-max-count\n"
    )
    assert [r.status for r in writes(seeded)] == [409] * 4
    assert stored(seeded) == SEED


@pytest.mark.real
def test_kubectl_reads_back_what_was_written_as_eks_reads_it(
    seeded: EksApiDouble, script_env: dict[str, str], kubeconfig: Path, tmp_path: Path
) -> None:
    kubectl = kubectl_binary("1.33")
    upsert = script(script_env, *UPSERT, "--groups", "yes,on,12")  # YAML 1.1 traps, quoted
    assert upsert.returncode == 0, upsert.stderr
    proc = subprocess.run(
        [kubectl, "--kubeconfig", str(kubeconfig), "get", "cm", NAME, "-n", NS, "-o", "yaml"],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    printed = yaml.safe_load(proc.stdout)
    assert printed["metadata"]["resourceVersion"] == version(seeded)
    data = printed["data"]
    assert data == stored(seeded)
    assert mappings(data)["mapRoles"] == [
        (NODE, "system:node:{{EC2PrivateDNSName}}", ("system:bootstrappers", "system:nodes")),
        (DEPLOY, "deploy", ("yes", "on", "12")),  # strings, as the authenticator reads them
    ]
    listed = script(script_env, "get", "-o", "json")
    ours = json.loads(listed.stdout)
    for kind in ("mapRoles", "mapUsers"):
        assert [
            (e.arn, e.username, e.groups, e.line) for e in AwsAuth.parse(data).entries(kind)
        ] == [(e["arn"], e["username"], tuple(e["groups"]), e["line"]) for e in ours[kind]]
    assert_seed_kept(data)


@pytest.mark.real
def test_by_cluster_name_against_motos_eks(aws_env: AwsEnv, moto_url: str, tmp_path: Path) -> None:
    import boto3
    from moto.eks.models import eks_backends

    from tests.support.aws import moto_sessions

    name = "aws-auth-live"
    eks = boto3.client(
        "eks",
        region_name="us-west-2",
        endpoint_url=moto_url,
        aws_access_key_id=TEST_ACCESS_KEY,
        aws_secret_access_key=TEST_SECRET,
    )
    if name not in eks.list_clusters()["clusters"]:
        eks.create_cluster(
            name=name,
            roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": []},
        )
    moto_host = moto_url.removeprefix("http://")

    def lookup(access_key_id: str) -> Identity | None:
        if access_key_id == TEST_ACCESS_KEY:
            return Identity(TEST_ARN, TEST_SECRET)
        found = moto_sessions().get(access_key_id)
        return Identity(found.arn, found.secret_access_key) if found else None

    env = {
        **aws_env.env,
        "AWS_ENDPOINT_URL_EKS": moto_url,
        "AWS_ENDPOINT_URL_STS": moto_url,
        "EKS_TF_AUTH_BACKUP_DIR": str(tmp_path / "backups"),
    }
    target = ["--cluster-name", name, "--region", "us-west-2"]
    with EksApiDouble(cluster_id=name, identities=lookup, allowed_sts_hosts=[moto_host]) as double:
        for by_region in eks_backends.values():  # moto's endpoint and CA are not real
            for backend in by_region.values():
                if name in backend.clusters:
                    backend.clusters[name].endpoint = double.url
                    backend.clusters[name].certificate_authority = {"data": double.ca_data}
        created = script(env, *UPSERT, "--groups", "deployers", "--create", *target)
        assert created.returncode == 0, created.stderr
        assert created.stderr == f"aws-auth in {name}: 1 added, 0 updated, 0 removed\n"
        role_flags = ["--role-arn", "arn:aws:iam::123456789012:role/eks-admin"]
        listed = script(env, "get", "-o", "json", *target, *role_flags, "--session-name", "ops")
        assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["mapRoles"][0]["arn"] == DEPLOY
    assert [(r.method, r.status, r.arn) for r in double.requests] == [
        ("GET", 404, TEST_ARN),
        ("POST", 201, TEST_ARN),
        ("GET", 200, "arn:aws:sts::123456789012:assumed-role/eks-admin/ops"),
    ]


@pytest.mark.real
def test_the_kubeconfig_default_with_an_exec_user(
    seeded: EksApiDouble, aws_env: AwsEnv, tmp_path: Path
) -> None:
    """kubectl's default kubeconfig (~/.kube/config) whose user runs `eks-tf-auth exec`."""
    block = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": str(BIN_DIR / "eks-tf-auth"),
        "args": ["exec", "--cluster-name", "prod", "--region", "us-west-2"],
        "interactiveMode": "Never",
    }
    kubeconfig_file(aws_env.home / ".kube" / "config", seeded, {"exec": block})
    env = {k: v for k, v in aws_env.env.items() if k != "KUBECONFIG"}
    proc = script({**env, "EKS_TF_AUTH_BACKUP_DIR": str(tmp_path / "backups")}, *UPSERT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith(f"aws-auth in {CONTEXT}: 1 added")
    assert {r.arn for r in seeded.requests} == {TEST_ARN}
