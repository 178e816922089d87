"""`eks-tf-auth external` run as Terraform runs a data "external" program: JSON on stdin."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eks_tf_auth import external
from eks_tf_auth.aws import eks as aws
from eks_tf_auth.errors import AwsError, InputError
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv, moto_sessions
from tests.support.tools import BIN_DIR, real_tool
from tests.support.verifier import verify_token

ROLE = "arn:aws:iam::123456789012:role/deploy"


@pytest.fixture
def ext_env(aws_env: AwsEnv, moto_url: str, moto_cluster: str) -> AwsEnv:
    aws_env.env["AWS_ENDPOINT_URL_EKS"] = moto_url
    aws_env.env["AWS_ENDPOINT_URL_STS"] = moto_url
    return aws_env


def run_external(env: AwsEnv, stdin: str) -> subprocess.CompletedProcess[str]:
    real_tool("the eks-tf-auth console script")
    return subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), "external"],
        input=stdin,
        env=env.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert isinstance(result, dict)
    assert all(isinstance(v, str) for v in result.values()), result
    return result


@pytest.mark.real
def test_describes_the_cluster(ext_env: AwsEnv) -> None:
    result = ok(run_external(ext_env, json.dumps({"cluster_name": "prod"})))
    assert set(result) == {
        "cluster_name",
        "region",
        "endpoint",
        "certificate_authority_data",
        "exec_api_version",
        "exec_command",
        "exec_args",
        "exec_env",
    }
    assert result["cluster_name"] == "prod" and result["region"] == "us-west-2"
    assert (
        result["endpoint"].startswith("https://")
        and ".us-west-2.eks.amazonaws.com" in result["endpoint"]
    )
    assert result["certificate_authority_data"]
    assert result["exec_api_version"] == "client.authentication.k8s.io/v1beta1"
    assert result["exec_command"] == "eks-tf-auth"
    assert json.loads(result["exec_args"]) == [
        "exec",
        "--cluster-name",
        "prod",
        "--region",
        "us-west-2",
    ]
    assert json.loads(result["exec_env"]) == {}


@pytest.mark.real
def test_exec_args_reproduce_the_flags(ext_env: AwsEnv) -> None:
    ext_env.credentials_file.write_text(
        f"[ci]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    query = {
        "cluster_name": "prod",
        "region": "us-west-2",
        "profile": "ci",
        "role_arn": ROLE,
        "external_id": "ext-1",
        "session_name": "tf",
        "api_version": "client.authentication.k8s.io/v1",
    }
    result = ok(run_external(ext_env, json.dumps(query)))
    assert json.loads(result["exec_args"]) == [
        "exec",
        "--cluster-name",
        "prod",
        "--region",
        "us-west-2",
        "--role-arn",
        ROLE,
        "--external-id",
        "ext-1",
        "--session-name",
        "tf",
        "--profile",
        "ci",
    ]
    assert json.loads(result["exec_env"]) == {"AWS_PROFILE": "ci"}
    assert result["exec_api_version"] == "client.authentication.k8s.io/v1"
    assert any(
        s.session_name == "tf" and s.external_id == "ext-1" for s in moto_sessions().values()
    )


@pytest.mark.real
def test_the_exec_args_work(ext_env: AwsEnv) -> None:
    result = ok(run_external(ext_env, json.dumps({"cluster_name": "prod", "role_arn": ROLE})))
    args = json.loads(result["exec_args"])
    proc = ext_env.run(*args)
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["status"]["token"]
    secrets = {k: s.secret_access_key for k, s in moto_sessions().items()}
    verified = verify_token(
        token,
        cluster_id="prod",
        secrets=secrets,
        now=datetime.now(timezone.utc),
        allowed_hosts=[ext_env.env["AWS_ENDPOINT_URL_STS"].split("://")[1]],
    )
    assert moto_sessions()[verified.access_key_id].role_arn == ROLE


@pytest.mark.real
def test_aws_cli_command(ext_env: AwsEnv) -> None:
    query = {"cluster_name": "prod", "command": "aws", "role_arn": ROLE, "profile": "p"}
    ext_env.credentials_file.write_text(
        f"[p]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    result = ok(run_external(ext_env, json.dumps(query)))
    assert result["exec_command"] == "aws"
    assert json.loads(result["exec_args"]) == [
        "--region",
        "us-west-2",
        "eks",
        "get-token",
        "--cluster-name",
        "prod",
        "--role-arn",
        ROLE,
        "--profile",
        "p",
        "--output",
        "json",
    ]


@pytest.mark.real
def test_include_token_warns_and_verifies(ext_env: AwsEnv) -> None:
    proc = run_external(ext_env, json.dumps({"cluster_name": "prod", "include_token": "true"}))
    result = ok(proc)
    assert "frozen into saved plans" in proc.stderr and "ETA006" in proc.stderr
    assert result["token"] not in proc.stderr
    verify_token(
        result["token"],
        cluster_id="prod",
        secrets={TEST_ACCESS_KEY: TEST_SECRET},
        now=datetime.now(timezone.utc),
        allowed_hosts=[ext_env.env["AWS_ENDPOINT_URL_STS"].split("://")[1]],
    )
    assert result["expiration"].endswith("Z")


def one_line_failure(proc: subprocess.CompletedProcess[str], text: str) -> None:
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("eks-tf-auth: error: ")
    assert text in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.real
@pytest.mark.parametrize(
    ("stdin", "text"),
    [
        ("[]", "must be a JSON object"),
        ('"prod"', "must be a JSON object"),
        ("{oops", "not JSON"),
        ('{"cluster_name": 7}', "must be strings: cluster_name"),
        ('{"cluster_name": "prod", "include_token": true}', "must be strings: include_token"),
        ('{"cluster_name": "prod", "tags": {}}', "unknown query key(s): tags"),
        ('{"cluster": "prod"}', "unknown query key(s): cluster"),
        ("{}", "needs cluster_name"),
        ('{"cluster_name": ""}', "needs cluster_name"),
        ('{"cluster_name": "no such"}', "invalid cluster name"),
        ('{"cluster_name": "prod", "region": "mars"}', "invalid region"),
        ('{"cluster_name": "prod", "include_token": "yes"}', "include_token must be"),
        (
            '{"cluster_name": "prod", "api_version": "client.authentication.k8s.io/v1alpha1"}',
            "was removed in Kubernetes 1.24",
        ),
        ('{"cluster_name": "prod", "external_id": "abc"}', "needs a role ARN"),
        ('{"cluster_name": "prod", "role_arn": "arn:aws:iam::1:role/x"}', "invalid role ARN"),
        (
            '{"cluster_name": "prod", "command": "aws", "role_arn": "'
            + ROLE
            + '", "session_name": "ab"}',
            "no external id or session name",
        ),
        ('{"cluster_name": "missing"}', "cluster 'missing' in us-west-2 not found"),
    ],
)
def test_bad_queries(ext_env: AwsEnv, stdin: str, text: str) -> None:
    one_line_failure(run_external(ext_env, stdin), text)


@pytest.mark.real
def test_no_credentials(ext_env: AwsEnv) -> None:
    del ext_env.env["AWS_ACCESS_KEY_ID"], ext_env.env["AWS_SECRET_ACCESS_KEY"]
    one_line_failure(run_external(ext_env, '{"cluster_name": "prod"}'), "no AWS credentials found")


@pytest.mark.real
def test_no_region(ext_env: AwsEnv) -> None:
    del ext_env.env["AWS_REGION"]
    one_line_failure(
        run_external(ext_env, '{"cluster_name": "prod"}'), "no region given for cluster 'prod'"
    )


class _Denied(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"message":"User: arn:aws:iam::123456789012:user/test is not authorized"}'
        self.send_response(403)
        self.send_header("x-amzn-ErrorType", "AccessDeniedException")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def denying_eks() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Denied)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.real
def test_access_denied_names_cluster_and_region(ext_env: AwsEnv, denying_eks: str) -> None:
    ext_env.env["AWS_ENDPOINT_URL_EKS"] = denying_eks
    proc = run_external(ext_env, '{"cluster_name": "prod", "region": "eu-west-1"}')
    one_line_failure(proc, "cannot describe cluster 'prod' in eu-west-1: AccessDeniedException")
    assert proc.returncode == 1


def test_cluster_that_is_not_active(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    def creating(*_: object, name: str, region: str, environ: object) -> aws.Cluster:
        return aws.Cluster(name, region, "CREATING", "", "")

    monkeypatch.setattr(aws, "describe_cluster", creating)
    with pytest.raises(AwsError, match="cluster 'prod' in us-west-2 is CREATING, not ACTIVE"):
        external.describe(
            external.parse_query('{"cluster_name": "prod"}'),
            {"AWS_REGION": "us-west-2", **aws_env.env},
        )


def test_outposts_cluster_id_goes_into_args() -> None:
    query = external.parse_query(
        '{"cluster_name": "edge", "cluster_id": "0d2f6c3e-1a2b-4c5d-8e9f-0123456789ab"}'
    )
    ident = query.who.cluster_id
    assert ident is not None
    assert external.exec_args(query, "us-west-2")[:3] == ["exec", "--cluster-id", ident]
    aws_query = external.Query(query.who, command="/usr/local/bin/aws")
    assert external.exec_args(aws_query, "us-west-2")[4:6] == ["--cluster-id", ident]


def test_empty_strings_mean_not_given() -> None:
    query = external.parse_query('{"cluster_name": "prod", "region": "", "role_arn": ""}')
    assert query.who.region is None and query.who.role_arn is None
    with pytest.raises(InputError):
        external.parse_query('{"cluster_name": "prod", "cluster_id": "no pe"}')


def test_a_token_only_on_request() -> None:
    assert external.parse_query('{"cluster_name": "prod"}').include_token is False
    assert (
        external.parse_query('{"cluster_name": "prod", "include_token": ""}').include_token is False
    )
    assert (
        external.parse_query('{"cluster_name": "prod", "include_token": "false"}').include_token
        is False
    )
    assert (
        external.parse_query('{"cluster_name": "prod", "include_token": "true"}').include_token
        is True
    )


@pytest.mark.parametrize(
    "command", ["rm -rf /; eks-tf-auth", "eks-tf-auth\nexec", "$(whoami)", "x" * 5000, ""]
)
def test_the_command_is_checked_like_every_other_input(command: str) -> None:
    """The executable the provider will run goes into exec blocks: only a plain name or path."""
    query = json.dumps({"cluster_name": "prod", "command": command})
    if command == "":
        assert external.parse_query(query).command == "eks-tf-auth"  # "" means not given
        return
    with pytest.raises(InputError, match="invalid command") as caught:
        external.parse_query(query)
    assert len(caught.value.message) < 200
