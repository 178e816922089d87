"""`eks-tf-auth exec` run as kubectl and Terraform run it: a subprocess of the console script."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv
from tests.support.tools import BIN_DIR
from tests.support.verifier import TokenRejected, VerifiedToken, verify_token

pytestmark = pytest.mark.real

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
SECRETS = {TEST_ACCESS_KEY: TEST_SECRET, "AKIAOTHERKEY00000000": "other-secret"}


def credential(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 and proc.stdout.endswith("\n")
    doc = json.loads(proc.stdout)
    assert isinstance(doc, dict)
    assert set(doc) == {"kind", "apiVersion", "spec", "status"}
    assert doc["kind"] == "ExecCredential" and doc["spec"] == {}
    return doc


def token_of(doc: dict[str, object]) -> str:
    status = doc["status"]
    assert isinstance(status, dict)
    return str(status["token"])


def verified(
    proc: subprocess.CompletedProcess[str], cluster: str = "demo", **kw: object
) -> VerifiedToken:
    doc = credential(proc)
    secrets = kw.pop("secrets", SECRETS)
    assert isinstance(secrets, dict)
    return verify_token(
        token_of(doc), cluster_id=cluster, secrets=secrets, now=datetime.now(timezone.utc)
    )


def test_prints_a_verifying_credential(aws_env: AwsEnv) -> None:
    proc = aws_env.run("exec", "--cluster-name", "demo")
    doc = credential(proc)
    assert doc["apiVersion"] == V1BETA1
    token = verified(proc)
    assert token.access_key_id == TEST_ACCESS_KEY and token.host == "sts.us-west-2.amazonaws.com"
    status = doc["status"]
    assert isinstance(status, dict)
    expires = datetime.strptime(status["expirationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
    lifetime = expires.replace(tzinfo=timezone.utc) - token.signed_at
    assert lifetime == timedelta(minutes=14)
    assert proc.stderr == ""
    with pytest.raises(TokenRejected):
        verify_token(
            token_of(doc), cluster_id="other", secrets=SECRETS, now=datetime.now(timezone.utc)
        )


def test_python_dash_m_runs_the_same_command(aws_env: AwsEnv) -> None:
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "eks_tf_auth", "exec", "--cluster-name", "demo", "--no-cache"],
        env=aws_env.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    verified(proc)


@pytest.mark.parametrize(
    ("exec_info", "flag", "expected"),
    [
        ({"apiVersion": V1, "spec": {"interactive": False}}, None, V1),
        ({"apiVersion": V1BETA1}, None, V1BETA1),
        ({"apiVersion": V1BETA1}, V1, V1),
        (None, None, V1BETA1),
    ],
)
def test_api_version(
    aws_env: AwsEnv, exec_info: dict[str, object] | None, flag: str | None, expected: str
) -> None:
    env = dict(aws_env.env)
    if exec_info is not None:
        env["KUBERNETES_EXEC_INFO"] = json.dumps(exec_info)
    args = ["exec", "--cluster-name", "demo", *(["--api-version", flag] if flag else [])]
    assert credential(aws_env.run(*args, env=env))["apiVersion"] == expected


def test_json_whatever_the_aws_output_setting(aws_env: AwsEnv) -> None:
    aws_env.config_file.write_text("[default]\noutput = text\ncli_pager = less\n")
    env = {**aws_env.env, "AWS_DEFAULT_OUTPUT": "table"}
    verified(aws_env.run("exec", "--cluster-name", "demo", env=env))


def test_missing_region_names_every_place_to_set_it(aws_env: AwsEnv) -> None:
    env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"}
    proc = aws_env.run("exec", "--cluster-name", "demo", env=env)
    assert_one_line_error(proc, 2, "no region given")
    for place in ("--region", "AWS_REGION", "profile", "client.authentication.k8s.io/exec"):
        assert place in proc.stderr


def test_malformed_exec_info_is_a_note_not_an_error(aws_env: AwsEnv) -> None:
    env = {**aws_env.env, "KUBERNETES_EXEC_INFO": "{oops"}
    proc = aws_env.run("exec", "--cluster-name", "demo", env=env)
    assert credential(proc)["apiVersion"] == V1BETA1
    assert proc.stderr.count("\n") == 1 and "KUBERNETES_EXEC_INFO" in proc.stderr


def test_provide_cluster_info(aws_env: AwsEnv) -> None:
    info = {
        "apiVersion": V1,
        "spec": {
            "interactive": False,
            "cluster": {
                "server": "https://ABC.gr7.eu-central-1.eks.amazonaws.com",
                "certificate-authority-data": "LS0t",
                "config": {"clusterName": "from-kubeconfig"},
            },
        },
    }
    env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    token = verified(aws_env.run("exec", env=env), cluster="from-kubeconfig")
    assert token.region == "eu-central-1" and token.host == "sts.eu-central-1.amazonaws.com"


@pytest.mark.parametrize(
    ("env_changes", "host"),
    [
        ({"AWS_USE_FIPS_ENDPOINT": "true"}, "sts-fips.us-west-2.amazonaws.com"),
        ({"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "sts.us-west-2.api.aws"),
        ({"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "sts.amazonaws.com"),
        ({"AWS_REGION": "cn-north-1"}, "sts.cn-north-1.amazonaws.com.cn"),
        ({"AWS_REGION": "us-gov-west-1"}, "sts.us-gov-west-1.amazonaws.com"),
    ],
)
def test_endpoint_settings(aws_env: AwsEnv, env_changes: dict[str, str], host: str) -> None:
    proc = aws_env.run("exec", "--cluster-name", "demo", env={**aws_env.env, **env_changes})
    assert verified(proc).host == host


# --- the cache -------------------------------------------------------------------------------


def cache_files(aws_env: AwsEnv) -> list[Path]:
    return sorted(aws_env.cache_dir.glob("*.token"))


def test_second_run_is_served_from_the_cache(aws_env: AwsEnv) -> None:
    first = aws_env.run("exec", "--cluster-name", "demo")
    [entry] = cache_files(aws_env)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(aws_env.cache_dir.stat().st_mode) == 0o700
    time.sleep(1.1)  # a fresh signature would carry a new X-Amz-Date
    assert aws_env.run("exec", "--cluster-name", "demo").stdout == first.stdout
    text = entry.read_text()
    assert TEST_SECRET not in text and "secret" not in text.lower()


def test_no_cache_flag_and_env(aws_env: AwsEnv) -> None:
    verified(aws_env.run("exec", "--cluster-name", "demo", "--no-cache"))
    verified(
        aws_env.run(
            "exec", "--cluster-name", "demo", env={**aws_env.env, "EKS_TF_AUTH_NO_CACHE": "1"}
        )
    )
    assert cache_files(aws_env) == []


def test_the_cache_holds_the_token_but_never_the_secret_key(aws_env: AwsEnv) -> None:
    env = {**aws_env.env, "AWS_SESSION_TOKEN": "SESSIONSECRET-1234567890"}
    proc = aws_env.run("exec", "--cluster-name", "demo", env=env)
    assert verified(proc).session_token == "SESSIONSECRET-1234567890"
    for path in aws_env.cache_dir.iterdir():
        data = path.read_bytes()
        assert TEST_SECRET.encode() not in data
    # The token (which embeds the session token) is cached; the credentials are not:
    # the secret key, which signing needs, appears nowhere on disk.


def test_parallel_processes_share_one_cache(aws_env: AwsEnv) -> None:
    def run(_: int) -> subprocess.CompletedProcess[str]:
        return aws_env.run("exec", "--cluster-name", "demo", timeout=120)

    with ThreadPoolExecutor(max_workers=50) as pool:
        procs = list(pool.map(run, range(50)))
    tokens = {token_of(credential(p)) for p in procs}
    for proc in procs:
        verified(proc)
        assert proc.stderr == ""
    [entry] = cache_files(aws_env)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert list(aws_env.cache_dir.glob(".*.tmp")) == []
    # Signing twice within a second gives the same token, so this only bounds what the processes
    # saw; test_moto.py counts the signings (AssumeRole calls) to prove the lock.
    assert len(tokens) <= 3, len(tokens)
    assert token_of(credential(aws_env.run("exec", "--cluster-name", "demo"))) in tokens


def test_switching_access_key_never_returns_the_other_token(aws_env: AwsEnv) -> None:
    first = verified(aws_env.run("exec", "--cluster-name", "demo"))
    env = {
        **aws_env.env,
        "AWS_ACCESS_KEY_ID": "AKIAOTHERKEY00000000",
        "AWS_SECRET_ACCESS_KEY": "other-secret",
    }
    second = verified(aws_env.run("exec", "--cluster-name", "demo", env=env))
    assert (first.access_key_id, second.access_key_id) == (TEST_ACCESS_KEY, "AKIAOTHERKEY00000000")
    assert verified(aws_env.run("exec", "--cluster-name", "demo")).access_key_id == TEST_ACCESS_KEY


def test_switching_profile_never_returns_the_other_token(aws_env: AwsEnv) -> None:
    aws_env.credentials_file.write_text(
        f"[a]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET}\n"
        "[b]\naws_access_key_id = AKIAOTHERKEY00000000\naws_secret_access_key = other-secret\n"
    )
    env = {
        k: v
        for k, v in aws_env.env.items()
        if not k.startswith("AWS_SECRET") and k != "AWS_ACCESS_KEY_ID"
    }
    for profile, key in [
        ("a", TEST_ACCESS_KEY),
        ("b", "AKIAOTHERKEY00000000"),
        ("a", TEST_ACCESS_KEY),
    ]:
        assert (
            verified(
                aws_env.run("exec", "--cluster-name", "demo", env={**env, "AWS_PROFILE": profile})
            ).access_key_id
            == key
        )
        assert (
            verified(
                aws_env.run("exec", "--cluster-name", "demo", "--profile", profile, env=env)
            ).access_key_id
            == key
        )
    # Editing the credentials file under the same profile name changes the identity too.
    aws_env.credentials_file.write_text(
        "[a]\naws_access_key_id = AKIAOTHERKEY00000000\naws_secret_access_key = other-secret\n"
    )
    assert (
        verified(
            aws_env.run("exec", "--cluster-name", "demo", "--profile", "a", env=env)
        ).access_key_id
        == "AKIAOTHERKEY00000000"
    )


@pytest.mark.parametrize("damage", ["truncate", "garbage", "world-readable", "symlink"])
def test_damaged_cache_entry_is_a_miss(aws_env: AwsEnv, tmp_path: Path, damage: str) -> None:
    aws_env.run("exec", "--cluster-name", "demo")
    [entry] = cache_files(aws_env)
    decoy = tmp_path / "decoy"
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[:100])
    elif damage == "garbage":
        entry.write_bytes(os.urandom(500))
    elif damage == "world-readable":
        entry.chmod(0o644)
    else:  # a valid-looking entry behind a link: neither served nor overwritten
        decoy.write_text(entry.read_text().replace("k8s-aws-v1.", "k8s-aws-v1.DECOY"))
        decoy.chmod(0o600)
        entry.unlink()
        entry.symlink_to(decoy)
    proc = aws_env.run("exec", "--cluster-name", "demo")
    verified(proc)
    assert proc.stderr == "" and "DECOY" not in proc.stdout
    assert not entry.is_symlink() and stat.S_IMODE(entry.stat().st_mode) == 0o600
    if damage == "symlink":
        assert "k8s-aws-v1.DECOY" in decoy.read_text()


def test_unsafe_cache_directory_is_not_used(aws_env: AwsEnv) -> None:
    aws_env.cache_dir.mkdir(mode=0o777)
    aws_env.cache_dir.chmod(0o777)
    proc = aws_env.run("exec", "--cluster-name", "demo")
    verified(proc)
    assert "not caching" in proc.stderr and proc.stderr.count("\n") == 1
    assert cache_files(aws_env) == []


def test_cache_clear(aws_env: AwsEnv) -> None:
    aws_env.run("exec", "--cluster-name", "demo")
    aws_env.run("exec", "--cluster-name", "other")
    proc = aws_env.run("cache", "clear")
    assert proc.returncode == 0 and "removed 2 cached token(s)" in proc.stderr
    assert cache_files(aws_env) == []
    assert aws_env.run("cache", "path").stdout.strip() == str(aws_env.cache_dir)


# --- what never reaches stderr ---------------------------------------------------------------


def test_debug_output_never_shows_the_token(aws_env: AwsEnv) -> None:
    env = {**aws_env.env, "EKS_TF_AUTH_DEBUG": "1", "AWS_SESSION_TOKEN": "SESSIONSECRET-42"}
    proc = aws_env.run("exec", "--cluster-name", "demo", "--no-cache", env=env)
    token = token_of(credential(proc))
    for secret in (token, token[20:60], "SESSIONSECRET-42", TEST_SECRET):
        assert secret not in proc.stderr


# --- bad input -------------------------------------------------------------------------------


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines, "no error message"
    assert text in lines[0], lines
    assert len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("hint: ")), lines


ARN = "arn:aws:iam::123456789012:role/deploy"


@pytest.mark.parametrize(
    ("args", "env_changes", "code", "text"),
    [
        (["--cluster-name", ""], {}, 2, "invalid cluster name ''"),
        (["--cluster-name", "no spaces"], {}, 2, "invalid cluster name"),
        (
            ["--cluster-name", "a", "--cluster-id", "0d2f6c3e-1a2b-4c5d-8e9f-0123456789ab"],
            {},
            2,
            "mutually exclusive",
        ),
        (["--cluster-id", "a b"], {}, 2, "invalid cluster id"),
        ([], {}, 2, "no cluster given"),
        (
            ["--cluster-name", "a", "--role-arn", "arn:aws:iam::12:role/x"],
            {},
            2,
            "invalid role ARN",
        ),
        (["--cluster-name", "a", "--role", "deploy"], {}, 2, "invalid role ARN"),
        (["--cluster-name", "a", "--external-id", "x1"], {}, 2, "needs a role ARN"),
        (
            ["--cluster-name", "a", "--role-arn", ARN, "--session-name", "a b"],
            {},
            2,
            "invalid --session-name",
        ),
        (
            ["--cluster-name", "a", "--role-arn", ARN, "--external-id", "x"],
            {},
            2,
            "invalid --external-id",
        ),
        (["--cluster-name", "a", "--region", "nowhere"], {}, 2, "invalid region 'nowhere'"),
        (["--cluster-name", "a", "--region", "us-west-2\n"], {}, 2, "invalid region"),
        (["--cluster-name", "a", "--role-arn", ARN + "\n"], {}, 2, "invalid role ARN"),
        (
            ["--cluster-name", "a", "--role-arn", ARN, "--session-name", "ci\n"],
            {},
            2,
            "invalid --session-name",
        ),
        (
            ["--cluster-name", "a", "--role-arn", ARN, "--external-id", "ext-1\n"],
            {},
            2,
            "invalid --external-id",
        ),
        (["--cluster-name", "a"], {"AWS_REGION": "US_WEST"}, 2, "invalid region"),
        (["--cluster-name", "a"], {"AWS_REGION": ""}, 2, "no region given"),
        (
            ["--cluster-name", "a", "--api-version", "v2"],
            {},
            2,
            "unsupported ExecCredential apiVersion",
        ),
        (
            ["--cluster-name", "a"],
            {"KUBERNETES_EXEC_INFO": '{"apiVersion":"client.authentication.k8s.io/v1alpha1"}'},
            2,
            "removed in Kubernetes 1.24",
        ),
        (
            ["--cluster-name", "a"],
            {"KUBERNETES_EXEC_INFO": '{"apiVersion":"client.authentication.k8s.io/v9"}'},
            2,
            "unsupported",
        ),
        (["--cluster-name", "a", "--bogus"], {}, 2, "No such option '--bogus'"),
        (["--cluster-name", "a", "--profile", "nope"], {}, 2, "nope"),
        (
            ["--cluster-name", "a"],
            {"AWS_STS_REGIONAL_ENDPOINTS": "sometimes"},
            2,
            "sts_regional_endpoints",
        ),
        (
            ["--cluster-name", "a"],
            {"AWS_ENDPOINT_URL_STS": "ftp://x"},
            2,
            "invalid STS endpoint URL",
        ),
        (
            ["--cluster-name", "a"],
            {"AWS_CREDENTIAL_EXPIRATION": "tomorrow"},
            2,
            "AWS_CREDENTIAL_EXPIRATION",
        ),
        (["--cluster-name", "a", "--region", "us-west-\u0662"], {}, 2, "invalid region"),
        (
            ["--cluster-name", "a"],
            {"AWS_ENDPOINT_URL_STS": "https://[x"},
            2,
            "invalid STS endpoint URL",
        ),
        (
            ["--cluster-name", "a"],
            {"AWS_CREDENTIAL_EXPIRATION": "0001-01-01T00:00:00Z"},
            1,
            "have expired",
        ),
        (
            ["--cluster-name", "a"],
            {"AWS_CREDENTIAL_EXPIRATION": "2020-01-01T00:00:00Z"},
            1,
            "have expired",
        ),
        (
            ["--cluster-name", "a"],
            {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
            1,
            "no AWS credentials found",
        ),
    ],
)
def test_bad_input(
    aws_env: AwsEnv, args: list[str], env_changes: dict[str, str], code: int, text: str
) -> None:
    env = {**aws_env.env, **env_changes}
    env = {k: v for k, v in env.items() if v != "" or k in ("AWS_REGION",)}
    if env.get("AWS_REGION") == "":
        del env["AWS_REGION"]
    assert_one_line_error(aws_env.run("exec", *args, env=env), code, text)


def test_external_id_is_not_repeated_in_errors(aws_env: AwsEnv) -> None:
    proc = aws_env.run(
        "exec", "--cluster-name", "a", "--role-arn", ARN, "--external-id", "s3cr3t value"
    )
    assert_one_line_error(proc, 2, "invalid --external-id")
    assert "s3cr3t" not in proc.stderr


def test_non_ascii_external_id_is_refused(aws_env: AwsEnv) -> None:
    proc = aws_env.run(
        "exec", "--cluster-name", "a", "--role-arn", ARN, "--external-id", "\u00e9\u00e9"
    )
    assert_one_line_error(proc, 2, "invalid --external-id")


@pytest.mark.parametrize(
    "exec_info",
    [
        "[" * 100000,  # deeper than the JSON parser recurses
        '{"spec": {"cluster": {"server": "https://[x", "config": {"clusterName": "demo"}}}}',
    ],
    ids=["deep", "bad-server-url"],
)
def test_odd_exec_info_is_not_a_crash(aws_env: AwsEnv, exec_info: str) -> None:
    proc = aws_env.run(
        "exec", "--cluster-name", "demo", env={**aws_env.env, "KUBERNETES_EXEC_INFO": exec_info}
    )
    verified(proc)


def test_flags_win_over_a_bad_kubeconfig_extension(aws_env: AwsEnv) -> None:
    info = '{"spec": {"cluster": {"config": {"clusterName": "bad name!"}}}}'
    proc = aws_env.run(
        "exec", "--cluster-name", "demo", env={**aws_env.env, "KUBERNETES_EXEC_INFO": info}
    )
    verified(proc)


def test_corrected_secret_gets_a_new_token(aws_env: AwsEnv) -> None:
    typo = {**aws_env.env, "AWS_SECRET_ACCESS_KEY": "typo"}
    bad = aws_env.run("exec", "--cluster-name", "demo", env=typo)
    assert bad.returncode == 0  # signing is local: a wrong secret only fails at EKS
    with pytest.raises(TokenRejected):
        verified(bad)
    verified(aws_env.run("exec", "--cluster-name", "demo"))  # not the cached typo token


def test_no_home_means_no_cache_and_nothing_in_the_working_directory(
    aws_env: AwsEnv, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in aws_env.env.items() if k != "EKS_TF_AUTH_CACHE_DIR"}
    env["HOME"] = ""
    proc = subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), "exec", "--cluster-name", "demo"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    verified(proc)
    assert list(work.iterdir()) == []
    assert aws_env.run("cache", "path", env=env).returncode == 1
    cleared = aws_env.run("cache", "clear", env=env)
    assert cleared.returncode == 0 and "no cache directory" in cleared.stderr


def test_cache_hit_into_a_closed_pipe(aws_env: AwsEnv) -> None:
    aws_env.run("exec", "--cluster-name", "demo")
    script = f"(sleep 0.3; '{BIN_DIR / 'eks-tf-auth'}' exec --cluster-name demo) | true"
    proc = subprocess.run(
        ["bash", "-c", script],
        env=aws_env.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in proc.stderr and proc.stderr == ""


def test_malformed_config_file(aws_env: AwsEnv) -> None:
    aws_env.config_file.write_text("region = us-west-2\n[default\n")
    proc = aws_env.run("exec", "--cluster-name", "a")
    assert_one_line_error(proc, 2, f"cannot read the AWS config file {aws_env.config_file}")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield int(s.getsockname()[1])


def test_no_credentials_and_a_silent_metadata_service_fail_fast(
    aws_env: AwsEnv, silent_port: int
) -> None:
    env = {
        k: v
        for k, v in aws_env.env.items()
        if not k.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_EC2_METADATA_DISABLED"))
    }
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = f"http://127.0.0.1:{silent_port}"
    start = time.monotonic()
    proc = aws_env.run("exec", "--cluster-name", "a", env=env)
    elapsed = time.monotonic() - start
    assert_one_line_error(proc, 1, "no AWS credentials found")
    assert elapsed < 8, f"took {elapsed:.1f} s"


class _StsErrorHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (
            b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            b"<Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012"
            b":user/test is not authorized to perform: sts:AssumeRole on resource: "
            b"arn:aws:iam::123456789012:role/deploy</Message></Error><RequestId>1</RequestId>"
            b"</ErrorResponse>"
        )
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_assume_role_access_denied(aws_env: AwsEnv) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StsErrorHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**aws_env.env, "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{server.server_port}"}
        proc = aws_env.run("exec", "--cluster-name", "a", "--role-arn", ARN, env=env)
    finally:
        server.shutdown()
        server.server_close()
    assert_one_line_error(proc, 1, f"cannot assume role {ARN}: AccessDenied: User:")
    assert "trust policy" in proc.stderr


# --- another plugin's arguments: the same answer, and the second run a warm cache hit ---------

CLUSTER_PROFILE_INFO = json.dumps(
    {
        "apiVersion": V1,
        "spec": {
            "interactive": False,
            "cluster": {"config": {"region": "ap-northeast-1", "clusterId": "demo"}},
        },
    }
)
PEER_SHAPES: dict[str, list[str]] = {
    "aws-cli-global-order": [
        *("--region", "us-west-2", "eks", "get-token"),
        *("--cluster-name", "demo", "--output", "json"),
    ],
    "aws-cli": ["eks", "get-token", "--cluster-name", "demo", "--profile", "dev"],
    "aws-iam-authenticator": ["token", "-i", "demo", "--region", "eu-west-1"],
    "eks-auth": ["--cluster-name", "demo"],
    "cluster-inventory": [],  # with KUBERNETES_EXEC_INFO, as client-go runs it
}


def shape_env(aws_env: AwsEnv, shape: str) -> dict[str, str]:
    if shape != "cluster-inventory":
        return aws_env.env
    env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"}
    return {**env, "KUBERNETES_EXEC_INFO": CLUSTER_PROFILE_INFO}


def test_each_peer_shape_is_a_warm_cache_hit_the_second_time(aws_env: AwsEnv) -> None:
    aws_env.credentials_file.write_text(
        f"[dev]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    regions = {"aws-iam-authenticator": "eu-west-1", "cluster-inventory": "ap-northeast-1"}
    firsts = {}
    for shape, args in PEER_SHAPES.items():
        firsts[shape] = aws_env.run(*args, env=shape_env(aws_env, shape))
        assert verified(firsts[shape]).region == regions.get(shape, "us-west-2"), shape
        assert firsts[shape].stderr == ""
    assert len(cache_files(aws_env)) == len(PEER_SHAPES)  # one entry per shape
    time.sleep(1.1)  # a fresh signature would carry a new X-Amz-Date
    script = str(BIN_DIR / "eks-tf-auth")
    for shape, args in PEER_SHAPES.items():
        env = {k: v for k, v in shape_env(aws_env, shape).items() if not k.startswith("COVERAGE_")}
        second = subprocess.run(
            [sys.executable, "-X", "importtime", script, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 0, second.stderr
        assert second.stdout == firsts[shape].stdout, shape
        imported = {
            line.rsplit("|", 1)[1].strip() for line in second.stderr.splitlines() if "|" in line
        }
        assert "eks_tf_auth.cache" in imported, shape
        assert not imported & {"click", "json", "botocore", "eks_tf_auth.cli"}, shape
    assert len(cache_files(aws_env)) == len(PEER_SHAPES)
