"""No secret is ever echoed: every command, in normal and in debug mode, is run with fake secrets
in its environment, files and arguments, and its stderr, its stdout (where that is not the data
asked for) and every file it wrote are searched for them.

The cache holds tokens, and a token signed with a session token carries it (that is the presigned
URL's X-Amz-Security-Token): that one file may hold the session token, never anything else.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv
from tests.support.tools import BIN_DIR, real_tool

pytestmark = pytest.mark.real

SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789abcdefSECRET"
EXTERNAL_ID = "ext-SHARED-SECRET-4242"
FILE_SECRET = "zZ9yY8xX7wW6vV5uU4tT3sS2rR1qQ0pP9oO8nN7m"  # a 40-character secret in a file
ROLE = "arn:aws:iam::123456789012:role/deploy"
CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
ENDPOINT = "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com"
SECRETS = (TEST_SECRET, SESSION_TOKEN, EXTERNAL_ID, FILE_SECRET, "AKIAIOSFODNN7", "k8s-aws-v1.")
EXEC = ["exec", "--cluster-name", "prod", "--region", "us-west-2"]
REGION = ["--region", "us-west-2"]
AWS_AUTH_UPSERT = [
    "aws-auth",
    "upsert",
    "-f",
    "{tmp}/aws-auth.yaml",
    "--maproles",
    "--rolearn",
    ROLE,
]
KUBECONFIG = ["render", "kubeconfig", "--cluster-name", "prod", "--region", "eu-west-1"]


@dataclass(frozen=True)
class Run:
    argv: list[str]
    stdin: str = ""
    data: bool = False  # stdout is the answer (a token may be there, nothing else)
    env: tuple[tuple[str, str], ...] = ()


RUNS = {
    "exec": Run(["exec", "--cluster-name", "prod", "--region", "us-west-2"], data=True),
    "exec-role-refused": Run(
        [*EXEC, "--role-arn", ROLE, "--external-id", EXTERNAL_ID, "--no-cache"],
        env=(("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9"),),
    ),
    "exec-role-assumed": Run(  # AssumeRole without botocore (aws/assume.py), at moto
        [*EXEC, "--role-arn", ROLE, "--external-id", EXTERNAL_ID, "--no-cache"], data=True
    ),
    "render-atlantis-standalone": Run(
        ["render", "atlantis", "--install", "standalone", "--cluster-name", "prod", *REGION],
        data=True,
    ),
    "exec-bad-external-id": Run(
        ["exec", "--cluster-name", "prod", "--role-arn", ROLE, "--external-id", EXTERNAL_ID + " !"]
    ),
    "exec-credential-process": Run(
        ["exec", "--cluster-name", "prod", "--region", "us-west-2", "--profile", "leaky"]
    ),
    "exec-broken-credentials-file": Run(
        ["exec", "--cluster-name", "prod", "--region", "us-west-2", "--no-cache"],
        env=(("AWS_SHARED_CREDENTIALS_FILE", "{tmp}/broken-credentials"),),
    ),
    "external": Run(["external"], stdin='{"cluster_name": "prod"}', data=True),
    "external-with-token": Run(
        ["external"], stdin='{"cluster_name": "prod", "include_token": "true"}', data=True
    ),
    "render-kubeconfig-merge": Run(
        [*KUBECONFIG, "--endpoint", ENDPOINT, "--ca-data", CA, "--merge-into", "{tmp}/kubeconfig"]
    ),
    "aws-auth-get-file": Run(["aws-auth", "get", "-f", "{tmp}/aws-auth.yaml"], data=True),
    "aws-auth-upsert-file": Run([*AWS_AUTH_UPSERT, "--username", "deploy", "--groups", "ops"]),
    "aws-auth-by-name-refused": Run(["aws-auth", "get", "--cluster-name", "prod", *REGION]),
    "access-entries-plan-file": Run(
        ["access-entries", "plan", "--from-aws-auth", "-f", "{tmp}/aws-auth.yaml"], data=True
    ),
    "lint-plan-with-a-token": Run(["lint", "{tmp}/plan.json"]),
    "lint-plan-with-a-token-json": Run(["lint", "--format", "json", "{tmp}/plan.json"], data=True),
}


@pytest.fixture
def secret_env(aws_env: AwsEnv, moto_url: str, moto_cluster: str, tmp_path: Path) -> AwsEnv:
    aws_env.env.update(
        AWS_SESSION_TOKEN=SESSION_TOKEN,
        AWS_ENDPOINT_URL_EKS=moto_url,
        AWS_ENDPOINT_URL_STS=moto_url,
    )
    leaky = tmp_path / "leaky.sh"
    leaky.write_text(f"#!/bin/sh\necho 'AKIAIOSFODNN7EXAMPLE {FILE_SECRET}' >&2\nexit 2\n")
    leaky.chmod(0o755)
    aws_env.config_file.write_text(f"[profile leaky]\ncredential_process = {leaky}\n")
    (tmp_path / "broken-credentials").write_text(f"aws_secret_access_key = {FILE_SECRET}\n")
    (tmp_path / "kubeconfig").write_text(
        f"apiVersion: v1\nkind: Config\nusers:\n- name: other\n  user: {{token: {FILE_SECRET}}}\n"
    )
    token = "k8s-aws-v1." + "aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5"
    plan = {
        "format_version": "1.2",
        "planned_values": {"outputs": {"token": {"value": token, "sensitive": False}}},
        "prior_state": {},
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "aws-auth.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\n"
        "data:\n  mapRoles: |\n    - rolearn: arn:aws:iam::123456789012:role/nodes\n"
        "      username: system:node:{{EC2PrivateDNSName}}\n"
        "      groups: [system:bootstrappers, system:nodes]\n"
    )
    return aws_env


def written_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.parametrize("debug", [False, True], ids=["normal", "debug"])
@pytest.mark.parametrize("name", list(RUNS))
def test_no_secret_is_echoed(secret_env: AwsEnv, tmp_path: Path, name: str, debug: bool) -> None:
    real_tool("the eks-tf-auth console script")
    run = RUNS[name]
    env = dict(secret_env.env)
    env.update((k, v.replace("{tmp}", str(tmp_path))) for k, v in run.env)
    if debug:
        env["EKS_TF_AUTH_DEBUG"] = "1"
    before = {p: p.read_bytes() for p in written_files(tmp_path)}
    proc = subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), *(a.replace("{tmp}", str(tmp_path)) for a in run.argv)],
        input=run.stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 3, proc.stderr
    for secret in SECRETS:
        assert secret not in proc.stderr, (secret, proc.stderr)
    for secret in (TEST_SECRET, EXTERNAL_ID, FILE_SECRET):
        assert secret not in proc.stdout or (secret == FILE_SECRET and not run.data), secret
    if not run.data:
        assert SESSION_TOKEN not in proc.stdout and "k8s-aws-v1." not in proc.stdout
    for path in written_files(tmp_path, secret_env.cache_dir, secret_env.home):
        content = path.read_bytes()
        if before.get(path) == content:
            continue  # the test's own input
        allowed = {SESSION_TOKEN} if path.suffix == ".token" else set()
        if path.name in ("kubeconfig", "kubeconfig.bak"):
            allowed.add(FILE_SECRET)  # the user's own entry, kept as it was
        for secret in (*SECRETS[:-2], TEST_ACCESS_KEY if path.suffix != ".token" else ""):
            if secret and secret not in allowed:
                assert secret.encode() not in content, (path, secret)
