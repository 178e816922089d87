"""The bad-input catalogue: every way a user's input, environment or files can be wrong, run through
the installed console script as kubectl and Terraform run it. Each must end with its documented
exit code (never 3), one error line (and a hint), no traceback, no secret, within seconds.

Extend it with every new command and input: a row is a name, the arguments, the exit code, and
what the case needs (environment, files, stdin).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.aws import TEST_SECRET, AwsEnv
from tests.support.tools import BIN_DIR, real_tool

pytestmark = pytest.mark.real

FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # stands for any secret in a file
ROLE = "arn:aws:iam::123456789012:role/deploy"
CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
ENDPOINT = "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com"
EXEC = ["exec", "--cluster-name", "prod", "--region", "us-west-2"]
KUBECONFIG = ["render", "kubeconfig", "--cluster-name", "prod", "--region", "eu-west-1"]
KUBECONFIG += ["--endpoint", ENDPOINT, "--ca-data", CA, "--merge-into", "{tmp}/kubeconfig"]
PROCESS_OUTPUT = {
    "junk": "echo 'not json'",
    "array": "echo '[1, 2]'",
    "binary": "printf '\\377\\376'",
    "expired": 'echo \'{"Version": 1, "AccessKeyId": "AKIAX", "SecretAccessKey": "s", '
    '"SessionToken": "t", "Expiration": "2001-01-01T00:00:00Z"}\'',
    "bad-expiration": 'echo \'{"Version": 1, "AccessKeyId": "AKIAX", '
    '"SecretAccessKey": "s", "Expiration": "tomorrow"}\'',
    "secret-on-stderr": f"echo 'AKIAIOSFODNN7EXAMPLE {FAKE_SECRET}' >&2; exit 3",
    "never-exits": "sleep 300",
}


@dataclass(frozen=True)
class Case:
    argv: list[str]
    code: int
    env: Mapping[str, str] = field(default_factory=dict)  # "{tmp}" stands for the case's dir
    stdin: str | bytes | None = None
    setup: Callable[[Path], None] | None = None
    stdout: str | None = None  # a path to send stdout to, instead of a pipe
    unset: tuple[str, ...] = ()
    one_line: bool = False  # `external`: Terraform shows one line
    report: bool = False  # lint: the problem is a line of its report (stdout), PATH:LINE:COL


def process_profile(name: str) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        script = tmp / f"{name}.sh"
        script.write_text(f"#!/bin/sh\n{PROCESS_OUTPUT[name]}\n")
        script.chmod(0o755)
        (tmp / "config").write_text(f"[profile p]\ncredential_process = {script}\n")

    return setup


def write(name: str, text: str) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        (tmp / name).write_text(text)

    return setup


def write_bytes(name: str, data: bytes) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        (tmp / name).write_bytes(data)

    return setup


def terragrunt_fifo_source(tmp: Path) -> None:
    """A unit whose local module source holds a FIFO where a .tf file would be."""
    (tmp / "live").mkdir()
    (tmp / "live" / "terragrunt.hcl").write_text('terraform {\n  source = "../m"\n}\n')
    (tmp / "m").mkdir()
    os.mkfifo(tmp / "m" / "main.tf")


def config_text(text: str) -> Callable[[Path], None]:
    return write("config", text)


def fifo(name: str) -> Callable[[Path], None]:
    return lambda tmp: os.mkfifo(tmp / name)


def kubeconfig_text(text: str) -> Callable[[Path], None]:
    return write("kubeconfig", text)


def bak_directory(tmp: Path) -> None:
    (tmp / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    (tmp / "kubeconfig.bak").mkdir()


def socket_file(tmp: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp / "kubeconfig"))
    sock.close()


def binary_lint_config(tmp: Path) -> None:
    (tmp / "main.tf").write_text("x = 1\n")
    (tmp / ".eks-tf-auth.toml").write_bytes(b"\x00\xff\xfe")


def shared_cache_dir(tmp: Path) -> None:
    (tmp / "shared").mkdir(mode=0o755)


def token_fifo(tmp: Path) -> None:
    """A FIFO in the cache directory under a token's name: a miss, never a hang."""
    cache = tmp / "cache"
    cache.mkdir(mode=0o700)
    os.mkfifo(cache / f"{'ab' * 32}.token", 0o600)


ACCESS_MANIFEST = """\
kind: ConfigMap
metadata:
  name: aws-auth
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/admin
      username: admin
      groups: [system:masters]
"""
ACCESS_OFFLINE = [
    "access-entries",
    "plan",
    "--from-aws-auth",
    "-f",
    "{tmp}/aws-auth.yaml",
    "--offline",
]


def access_plan(**entry: object) -> Callable[[Path], None]:
    """A saved plan (as `plan --output json` writes it, offline) with `entry`'s values."""
    plan = {
        "version": 1,
        "source": "aws-auth.yaml",
        "cluster": {"name": "prod"},
        "entries": [
            {
                "principal_arn": "arn:aws:iam::111122223333:role/admin",
                "type": "STANDARD",
                "aws_auth": {"key": "mapRoles", "line": 1, "arn": "x"},
                **entry,
            }
        ],
    }
    return write("plan.json", json.dumps(plan))


DOCTOR = ["doctor", "--cluster-name", "prod"]
DOCTOR_KUBECONFIG = ["doctor", "--kubeconfig", "{tmp}/kubeconfig"]
DOCTOR_CASES: dict[str, Case] = {
    "doctor-no-kubeconfig": Case(["doctor"], 2, {"KUBECONFIG": "{tmp}/none"}),
    "doctor-kubeconfig-not-yaml": Case(DOCTOR_KUBECONFIG, 2, setup=kubeconfig_text("a: [\n")),
    "doctor-unknown-context": Case(
        [*DOCTOR_KUBECONFIG, "--context", "nope"],
        2,
        setup=kubeconfig_text("apiVersion: v1\nkind: Config\n"),
    ),
    "doctor-service-account-not-ns-name": Case([*DOCTOR, "--service-account", "default"], 2),
    "doctor-identity-flags-without-cluster": Case(["doctor", "--profile", "p"], 2),
    "doctor-aws-auth-missing": Case([*DOCTOR, "--aws-auth", "{tmp}/aws-auth.yaml"], 2),
    "doctor-aws-auth-not-a-manifest": Case(
        [*DOCTOR, "--aws-auth", "{tmp}/aws-auth.yaml"],
        2,
        setup=write("aws-auth.yaml", "kind: Secret\n"),
    ),
}
AWS_AUTH_MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes]
"""
AWS_AUTH_FILE = "{tmp}/aws-auth.yaml"
AWS_AUTH_ROLE = ["--maproles", "--username", "deploy", "--groups", "deployers"]
AWS_AUTH_UPSERT = ["aws-auth", "upsert", "-f", AWS_AUTH_FILE, *AWS_AUTH_ROLE]
AWS_AUTH_DEPLOY = "arn:aws:iam::111122223333:role/deploy"
AWS_AUTH_NODE = "arn:aws:iam::111122223333:role/node"
aws_auth_manifest = write("aws-auth.yaml", AWS_AUTH_MANIFEST)


PROFILE = {"AWS_PROFILE": "p", "AWS_CONFIG_FILE": "{tmp}/config"}
NO_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
CASES: dict[str, Case] = {
    **{
        f"credential_process-{name}": Case(
            EXEC,
            1,
            {**PROFILE, "EKS_TF_AUTH_CREDENTIAL_PROCESS_TIMEOUT": "1"},
            setup=process_profile(name),
            unset=NO_KEYS,
        )
        for name in PROCESS_OUTPUT
    },
    "credential_process-missing": Case(
        EXEC,
        1,
        PROFILE,
        setup=config_text("[profile p]\ncredential_process = /nonexistent\n"),
        unset=NO_KEYS,
    ),
    "credential_process-unbalanced-quote": Case(
        EXEC,
        1,
        PROFILE,
        setup=config_text("[profile p]\ncredential_process = x 'open\n"),
        unset=NO_KEYS,
    ),
    "web-identity-token-file-missing": Case(
        EXEC,
        1,
        {"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": "{tmp}/no-token"},
        unset=NO_KEYS,
    ),
    "container-uri-foreign-host": Case(
        EXEC, 1, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"}, unset=NO_KEYS
    ),
    "secret-not-utf8": Case(EXEC, 2, {"AWS_SECRET_ACCESS_KEY": "a\udcffb"}),
    "credentials-expired": Case(EXEC, 1, {"AWS_CREDENTIAL_EXPIRATION": "2001-01-01T00:00:00Z"}),
    "credential-expiration-garbage": Case(EXEC, 2, {"AWS_CREDENTIAL_EXPIRATION": "soon"}),
    "config-file-fifo": Case(EXEC, 2, {"AWS_CONFIG_FILE": "{tmp}/fifo"}, setup=fifo("fifo")),
    "config-file-dev-zero": Case(EXEC, 2, {"AWS_CONFIG_FILE": "/dev/zero"}),
    "credentials-file-without-header": Case(
        EXEC,
        2,
        {"AWS_SHARED_CREDENTIALS_FILE": "{tmp}/config", "EKS_TF_AUTH_DEBUG": "1"},
        setup=config_text(f"aws_secret_access_key = {FAKE_SECRET}\n"),
    ),
    "bad-timeout-setting": Case(
        [*EXEC, "--role-arn", ROLE], 2, {"EKS_TF_AUTH_READ_TIMEOUT": "forever"}
    ),
    "sts-endpoint-with-user-info": Case(
        EXEC, 2, {"AWS_ENDPOINT_URL_STS": "https://user:pw@sts.example.com"}
    ),
    "exec-info-nested-too-deep": Case(
        ["exec"], 2, {"KUBERNETES_EXEC_INFO": "[" * 20000 + "]" * 20000}
    ),
    "cache-entry-is-a-fifo": Case(
        EXEC, 0, {"EKS_TF_AUTH_CACHE_DIR": "{tmp}/cache"}, setup=token_fifo
    ),
    "exec-stdout-full": Case(EXEC, 1, stdout="/dev/full"),
    "external-nested-json": Case(["external"], 2, stdin="[" * 100000 + "]" * 100000, one_line=True),
    "external-huge-integer": Case(
        ["external"], 2, stdin='{"cluster_name": ' + "1" * 5000 + "}", one_line=True
    ),
    "external-not-utf8": Case(["external"], 2, stdin=b"\xff\xfe{}", one_line=True),
    "external-huge-value": Case(
        ["external"], 2, stdin='{"cluster_name": "' + "a" * 1_000_000 + '"}', one_line=True
    ),
    "merge-into-fifo": Case(KUBECONFIG, 2, setup=fifo("kubeconfig")),
    "merge-into-socket": Case(KUBECONFIG, 2, setup=socket_file),
    "merge-into-deep-yaml": Case(
        KUBECONFIG, 2, setup=kubeconfig_text("a: " + "[" * 5000 + "]" * 5000)
    ),
    "merge-backup-is-a-directory": Case(KUBECONFIG, 2, setup=bak_directory),
    "render-stdout-full": Case(
        ["render", "provider", "--cluster-name", "x"], 1, stdout="/dev/full"
    ),
    "render-kuberc-into-fifo": Case(
        ["render", "kuberc", "--command", str(BIN_DIR / "eks-tf-auth"), "--merge-into", "{tmp}/k"],
        2,
        setup=fifo("k"),
    ),
    "render-kuberc-into-directory": Case(
        ["render", "kuberc", "--command", str(BIN_DIR / "eks-tf-auth"), "--merge-into", "{tmp}"], 2
    ),
    "lint-fifo": Case(["lint", "{tmp}/main.tf"], 2, setup=fifo("main.tf"), report=True),
    "lint-dev-zero": Case(["lint", "/dev/zero"], 2, report=True),
    "lint-explain-huge-id": Case(["lint", "--explain", "X" * 100_000], 2),
    "lint-binary-config": Case(["lint", "main.tf"], 2, setup=binary_lint_config, report=True),
    "lint-encrypted-plan": Case(
        ["lint", "prod.tfplan"],
        2,
        setup=write(
            "prod.tfplan", '{"meta": {}, "encrypted_data": "AA==", "encryption_version": "v0"}'
        ),
        report=True,
    ),
    "lint-binary-tofu-json": Case(
        ["lint", "x.tofu.json"], 2, setup=write_bytes("x.tofu.json", b"\xff\xfe\x00"), report=True
    ),
    "lint-terragrunt-module-fifo": Case(
        ["lint", "live"], 2, setup=terragrunt_fifo_source, report=True
    ),
    "render-atlantis-unknown-install": Case(["render", "atlantis", "--install", "bogus"], 2),
    "cache-clear-shared-directory": Case(
        ["cache", "clear"], 2, {"EKS_TF_AUTH_CACHE_DIR": "{tmp}/shared"}, setup=shared_cache_dir
    ),
    # aws-auth: the manifest in {tmp}/aws-auth.yaml must be left as it was (tests/aws_auth checks).
    "aws-auth-malformed-account": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", "arn:aws:iam::12345:role/deploy"],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-assumed-role-arn": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", "arn:aws:sts::111122223333:assumed-role/deploy/ci"],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-role-under-mapusers": Case(
        [
            "aws-auth",
            "upsert",
            "-f",
            AWS_AUTH_FILE,
            "--mapusers",
            "--userarn",
            AWS_AUTH_DEPLOY,
            "--username",
            "deploy",
        ],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-remove-not-an-arn": Case(
        ["aws-auth", "remove", "-f", AWS_AUTH_FILE, "--maproles", "--rolearn", "deploy", "--force"],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-malformed-arn-before-describe-cluster": Case(
        ["aws-auth", "upsert", "--cluster-name", "prod", *AWS_AUTH_ROLE, "--rolearn", "role/x"],
        2,
        {"AWS_ENDPOINT_URL_EKS": "http://127.0.0.1:9"},
    ),
    "aws-auth-empty-groups": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", AWS_AUTH_DEPLOY, "--groups", ""], 2, setup=aws_auth_manifest
    ),
    "aws-auth-empty-group-in-a-list": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", AWS_AUTH_DEPLOY, "--groups", "a,,b"],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-remove-empty-groups": Case(
        [
            "aws-auth",
            "remove",
            "-f",
            AWS_AUTH_FILE,
            "--maproles",
            "--rolearn",
            AWS_AUTH_NODE,
            "--groups",
            "",
        ],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-invalid-yaml-file": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", AWS_AUTH_DEPLOY],
        2,
        setup=write("aws-auth.yaml", "apiVersion: v1\ndata: [\n"),
    ),
    "aws-auth-invalid-maproles-yaml": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", AWS_AUTH_DEPLOY],
        2,
        setup=write(
            "aws-auth.yaml",
            AWS_AUTH_MANIFEST.replace("system:nodes]", "system:nodes"),  # EKS drops mapRoles
        ),
    ),
    "aws-auth-validate-invalid-yaml-on-stdin": Case(
        ["aws-auth", "validate", "-f", "-"], 2, stdin="kind: ConfigMap\ndata: {\n"
    ),
    "aws-auth-unknown-flag": Case(["aws-auth", "upsert", "--rolearns", AWS_AUTH_DEPLOY], 2),
    "aws-auth-both-maps": Case(
        [*AWS_AUTH_UPSERT, "--mapusers", "--rolearn", AWS_AUTH_DEPLOY], 2, setup=aws_auth_manifest
    ),
    "aws-auth-remove-by-empty-username": Case(
        ["aws-auth", "remove-by-username", "-f", AWS_AUTH_FILE, "--username", ""],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-file-and-cluster-name": Case(
        ["aws-auth", "get", "-f", AWS_AUTH_FILE, "--cluster-name", "prod"],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-stdin-and-cluster-name": Case(
        ["aws-auth", "validate", "-f", "-", "--cluster-name", "prod"], 2, stdin=AWS_AUTH_MANIFEST
    ),
    "aws-auth-file-and-as": Case(
        ["aws-auth", "get", "-f", AWS_AUTH_FILE, "--as", "admin"], 2, setup=aws_auth_manifest
    ),
    "aws-auth-file-is-a-fifo": Case(
        ["aws-auth", "get", "-f", AWS_AUTH_FILE], 2, setup=fifo("aws-auth.yaml")
    ),
    "aws-auth-file-missing": Case([*AWS_AUTH_UPSERT, "--rolearn", AWS_AUTH_DEPLOY], 2),
    "aws-auth-validate-dev-zero": Case(["aws-auth", "validate", "-f", "/dev/zero"], 2),
    "aws-auth-validate-huge-stdin": Case(
        ["aws-auth", "validate", "-f", "-"], 2, stdin="#" * (5 * 1024 * 1024)
    ),
    "aws-auth-bad-duration": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", AWS_AUTH_DEPLOY, "--retry-min-time", "soon"],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-retry-count-zero": Case(
        [*AWS_AUTH_UPSERT, "--rolearn", AWS_AUTH_DEPLOY, "--retry-max-count", "0"],
        2,
        setup=aws_auth_manifest,
    ),
    "aws-auth-get-stdout-full": Case(
        ["aws-auth", "get", "-f", AWS_AUTH_FILE], 1, setup=aws_auth_manifest, stdout="/dev/full"
    ),
    # access-entries: nothing is read from AWS or written before the input is refused.
    "access-entries-invalid-aws-auth-yaml": Case(
        ["access-entries", "plan", "--from-aws-auth", "-f", "{tmp}/aws-auth.yaml"],
        2,
        setup=write("aws-auth.yaml", "kind: ConfigMap\ndata: [\n"),
    ),
    "access-entries-hostile-cluster-name": Case(
        [*ACCESS_OFFLINE, "--cluster-name", 'prod"\n}'],
        2,
        setup=write("aws-auth.yaml", ACCESS_MANIFEST),
    ),
    "access-entries-plan-malformed-arn": Case(
        ["access-entries", "render", "--plan", "{tmp}/plan.json"],
        2,
        setup=access_plan(principal_arn="arn:aws:iam::12345:role/x"),
    ),
    "access-entries-plan-unknown-policy": Case(
        ["access-entries", "render", "--plan", "{tmp}/plan.json"],
        2,
        setup=access_plan(policies=[{"policy_arn": "AmazonEKSClusterAdmin"}]),
    ),
    "access-entries-plan-not-json": Case(
        ["access-entries", "render", "--plan", "{tmp}/plan.json"],
        2,
        setup=write("plan.json", '{"version": 1, "entries": ['),
    ),
    "access-entries-apply-offline-plan": Case(
        ["access-entries", "apply", "--plan", "{tmp}/plan.json"], 2, setup=access_plan()
    ),
    "access-entries-apply-unreachable": Case(
        ["access-entries", "apply", *ACCESS_OFFLINE[2:5], "--cluster-name", "prod"],
        1,
        {
            "AWS_ENDPOINT_URL_EKS": "http://127.0.0.1:9",
            "AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:9",
        },
        setup=write("aws-auth.yaml", ACCESS_MANIFEST),
    ),
    "access-entries-set-mode-config-map": Case(
        ["access-entries", "set-mode", "CONFIG_MAP", "--cluster-name", "prod"], 2
    ),
    **DOCTOR_CASES,
}


def run_case(
    case: Case, command: Sequence[str], aws_env: AwsEnv, tmp_path: Path
) -> tuple[subprocess.CompletedProcess[bytes], float]:
    """Run `case` through `command` (the console script, or tests/standalone's executable) in
    tmp_path; the process and how long it took."""
    if case.setup is not None:
        case.setup(tmp_path)
    env: dict[str, str | bytes] = {k: v for k, v in aws_env.env.items() if k not in case.unset}
    for key, value in case.env.items():
        env[key] = os.fsencode(value.replace("{tmp}", str(tmp_path)))  # bytes pass any value
    argv = [a.replace("{tmp}", str(tmp_path)) for a in case.argv]
    stdin = case.stdin.encode() if isinstance(case.stdin, str) else case.stdin
    started = time.monotonic()
    with open(case.stdout or os.devnull, "wb") as sink:
        proc = subprocess.run(
            [*command, *argv],
            input=stdin if stdin is not None else b"",
            stdout=sink if case.stdout else subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tmp_path,
            timeout=30,
            check=False,
        )
    return proc, time.monotonic() - started


def check_outcome(case: Case, proc: subprocess.CompletedProcess[bytes], elapsed: float) -> None:
    """Its documented exit code, within seconds, one error line (and a hint), no secret."""
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == case.code, err
    assert elapsed < 10, elapsed
    assert "Traceback" not in err or "EKS_TF_AUTH_DEBUG" in case.env
    for secret in (FAKE_SECRET, TEST_SECRET, "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in err
    if case.code == 0:
        return
    if case.report:
        out = proc.stdout.decode("utf-8", "replace")
        assert any(": error: " in line and len(line) < 400 for line in out.splitlines()), out
        return
    lines = [line for line in err.splitlines() if not line.startswith("eks-tf-auth: WARNING: ")]
    error = [line for line in lines if line.startswith("eks-tf-auth: error: ")]
    assert len(error) == 1 and len(error[0]) < 400, err
    if "EKS_TF_AUTH_DEBUG" not in case.env:
        assert len(lines) <= (1 if case.one_line else 2), err
        assert lines[0] == error[0]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_and_a_documented_exit_code(
    name: str, aws_env: AwsEnv, tmp_path: Path
) -> None:
    real_tool("the eks-tf-auth console script")
    proc, elapsed = run_case(CASES[name], [str(BIN_DIR / "eks-tf-auth")], aws_env, tmp_path)
    check_outcome(CASES[name], proc, elapsed)


@pytest.mark.parametrize("stdout", ["/dev/full", "closed"])
def test_a_cache_hit_that_cannot_be_written_is_one_line(aws_env: AwsEnv, stdout: str) -> None:
    """The warm path writes without click: the same one line and exit 1."""
    real_tool("the eks-tf-auth console script")
    assert aws_env.run(*EXEC).returncode == 0  # the cache now holds the answer
    command = [str(BIN_DIR / "eks-tf-auth"), *EXEC]
    if stdout == "closed":
        proc = subprocess.run(
            ["sh", "-c", '"$@" >&-', "sh", *command],
            env=aws_env.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    else:
        with open(stdout, "w") as sink:
            proc = subprocess.run(
                command,
                env=aws_env.env,
                stdout=sink,
                stderr=subprocess.PIPE,
                text=True,
                timeout=30,
                check=False,
            )
    reason = "No space left on device" if stdout == "/dev/full" else "it is closed"
    assert (proc.returncode, proc.stderr) == (
        1,
        f"eks-tf-auth: error: cannot write to stdout: {reason}\n",
    )
