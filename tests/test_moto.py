"""Role assumption and web identity against moto's STS on 127.0.0.1 (AWS_ENDPOINT_URL_STS)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv, moto_sessions
from tests.support.verifier import VerifiedToken, verify_token

pytestmark = pytest.mark.real

ROLE = "arn:aws:iam::123456789012:role/deploy"
OTHER_ROLE = "arn:aws:iam::210987654321:role/readonly"


@pytest.fixture
def moto_env(aws_env: AwsEnv, moto_url: str) -> AwsEnv:
    aws_env.env["AWS_ENDPOINT_URL_STS"] = moto_url
    return aws_env


def verify_moto(proc: subprocess.CompletedProcess[str], moto_url: str) -> VerifiedToken:
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["status"]["token"]
    secrets = {k: s.secret_access_key for k, s in moto_sessions().items()}
    secrets[TEST_ACCESS_KEY] = TEST_SECRET
    host = moto_url.split("://", 1)[1]
    return verify_token(
        token,
        cluster_id="demo",
        secrets=secrets,
        now=datetime.now(timezone.utc),
        allowed_hosts=[host],
    )


def test_role_arn_with_external_id_and_session_name(moto_env: AwsEnv, moto_url: str) -> None:
    proc = moto_env.run(
        "exec",
        "--cluster-name",
        "demo",
        "--role-arn",
        ROLE,
        "--external-id",
        "ext-1234",
        "--session-name",
        "ci-deploy",
    )
    token = verify_moto(proc, moto_url)
    session = moto_sessions()[token.access_key_id]
    assert session.role_arn == ROLE
    assert session.session_name == "ci-deploy" and session.external_id == "ext-1234"
    assert token.session_token == session.session_token  # the session token is signed in


def test_role_alias_and_default_session_name(moto_env: AwsEnv, moto_url: str) -> None:
    proc = moto_env.run("exec", "--cluster-name", "demo", "--role", ROLE)
    session = moto_sessions()[verify_moto(proc, moto_url).access_key_id]
    assert session.session_name.startswith("eks-tf-auth-")


def test_cache_hit_does_not_assume_the_role_again(moto_env: AwsEnv, moto_url: str) -> None:
    args = ("exec", "--cluster-name", "demo", "--role-arn", ROLE)
    first = moto_env.run(*args)
    before = len(moto_sessions())
    second = moto_env.run(*args)
    assert second.stdout == first.stdout
    assert len(moto_sessions()) == before
    moto_env.run(*args, "--no-cache")
    assert len(moto_sessions()) == before + 1


def test_switching_role_never_returns_the_other_roles_token(
    moto_env: AwsEnv, moto_url: str
) -> None:
    roles = []
    for role in (ROLE, OTHER_ROLE, ROLE):
        proc = moto_env.run("exec", "--cluster-name", "demo", "--role-arn", role)
        roles.append(moto_sessions()[verify_moto(proc, moto_url).access_key_id].role_arn)
    assert roles == [ROLE, OTHER_ROLE, ROLE]


def test_web_identity(moto_env: AwsEnv, moto_url: str, tmp_path: Path) -> None:
    token_file = tmp_path / "web-identity-token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2ln")
    env = {
        k: v
        for k, v in moto_env.env.items()
        if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    env["AWS_ROLE_ARN"] = ROLE
    env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(token_file)
    env["AWS_ROLE_SESSION_NAME"] = "irsa-pod"
    proc = moto_env.run("exec", "--cluster-name", "demo", env=env)
    token = verify_moto(proc, moto_url)
    session = moto_sessions()[token.access_key_id]
    assert (session.role_arn, session.session_name) == (ROLE, "irsa-pod")
    assert token.session_token == session.session_token


def test_the_cache_lock_lets_exactly_one_of_many_cold_runs_sign(moto_env: AwsEnv) -> None:
    """Every signing with --role-arn first assumes the role, so moto's count of role sessions
    counts the processes that signed: with the lock, one; without it, most of the 20."""
    from concurrent.futures import ThreadPoolExecutor

    before = set(moto_sessions())
    argv = ("exec", "--cluster-name", "demo", "--role-arn", ROLE, "--session-name", "lock-probe")
    with ThreadPoolExecutor(max_workers=20) as pool:
        procs = list(pool.map(lambda _: moto_env.run(*argv, timeout=120), range(20)))
    assert all(p.returncode == 0 for p in procs), [p.stderr for p in procs if p.returncode]
    signed = [k for k, s in moto_sessions().items() if k not in before]
    assert len(signed) == 1, len(signed)
    assert len({json.loads(p.stdout)["status"]["token"] for p in procs}) == 1


def test_a_profile_role_with_a_source_profile_takes_the_region_flag(
    moto_env: AwsEnv, moto_url: str
) -> None:
    """`aws eks get-token` works here; before, botocore's role assumption asked for a region."""
    moto_env.credentials_file.write_text(
        f"[src]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    moto_env.config_file.write_text(f"[profile deploy]\nrole_arn = {ROLE}\nsource_profile = src\n")
    env = {k: v for k, v in moto_env.env.items() if not k.startswith(("AWS_REGION", "AWS_ACCESS"))}
    env.pop("AWS_SECRET_ACCESS_KEY")
    argv = ("exec", "--cluster-name", "demo", "--region", "eu-west-1", "--profile", "deploy")
    token = verify_moto(moto_env.run(*argv, env=env), moto_url)
    assert token.region == "eu-west-1"
    assert moto_sessions()[token.access_key_id].role_arn == ROLE
