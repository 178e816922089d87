"""EKS Pod Identity: `exec` signs with container credentials from a local credentials endpoint (on
127.0.0.1, as the Pod Identity Agent serves them on 169.254.170.23) that answers only requests
carrying the authorization token read from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; the token is
verified with the endpoint's secret. The package pins a botocore that reads such credentials."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from eks_tf_auth.identity import get_token
from tests.support.aws import AwsEnv
from tests.support.verifier import verify_token

ROOT = Path(__file__).resolve().parent.parent
ACCESS_KEY = "ASIAPODIDENTITYEXAMP"
SECRET = "pod/identity/secret/key/EXAMPLEKEY0000000000"
SESSION_TOKEN = "pod-identity-session-token"
AGENT_TOKEN = "eyJhbGciOiJSUzI1NiJ9.pod-identity-agent-token"  # what the token file holds
CREDENTIALS_PATH = "/v1/credentials"
BOTOCORE_FLOOR = "1.34.41"  # the first botocore that reads Pod Identity's credentials


class CredentialsEndpoint:
    """The Pod Identity Agent's credentials endpoint, on 127.0.0.1: it answers GET /v1/credentials
    with the container credentials when the Authorization header is the agent token, else 401;
    every Authorization header it got is recorded."""

    def __init__(self, expires_in: timedelta = timedelta(hours=6)) -> None:
        self.authorizations: list[str | None] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                authorization = self.headers.get("Authorization")
                endpoint.authorizations.append(authorization)
                if self.path != CREDENTIALS_PATH or authorization != AGENT_TOKEN:
                    self._answer(401, {"message": "invalid authorization token"})
                    return
                expiration = datetime.now(timezone.utc) + expires_in
                self._answer(
                    200,
                    {
                        "AccessKeyId": ACCESS_KEY,
                        "SecretAccessKey": SECRET,
                        "Token": SESSION_TOKEN,
                        "AccountId": "123456789012",
                        "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    },
                )

            def _answer(self, status: int, body: dict[str, str]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CREDENTIALS_PATH}"

    def __enter__(self) -> CredentialsEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def endpoint() -> Iterator[CredentialsEndpoint]:
    with CredentialsEndpoint() as running:
        yield running


@pytest.fixture
def pod_env(
    aws_env: AwsEnv, endpoint: CredentialsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> AwsEnv:
    """What the Pod Identity webhook sets in an Atlantis pod, and no other credentials."""
    token_file = aws_env.home / "eks-pod-identity-token"
    token_file.write_text(AGENT_TOKEN)
    pod = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
    }
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        aws_env.env.pop(name)
        monkeypatch.delenv(name)
    aws_env.env.update(pod)
    for name, value in pod.items():
        monkeypatch.setenv(name, value)
    return aws_env


def verified(token: str) -> None:
    checked = verify_token(
        token, cluster_id="demo", secrets={ACCESS_KEY: SECRET}, now=datetime.now(timezone.utc)
    )
    assert checked.access_key_id == ACCESS_KEY
    assert checked.session_token == SESSION_TOKEN  # signed into the URL, as STS needs it


def test_get_token_signs_with_pod_identity_credentials(
    pod_env: AwsEnv, endpoint: CredentialsEndpoint
) -> None:
    token = get_token("demo", region="us-west-2")
    verified(token.value)
    assert endpoint.authorizations == [AGENT_TOKEN]


def test_the_token_expires_before_the_credentials(
    pod_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    with CredentialsEndpoint(expires_in=timedelta(minutes=20)) as short:
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", short.url)
        token = get_token("demo", region="us-west-2")
    assert token.expiration <= datetime.now(timezone.utc) + timedelta(minutes=19)


@pytest.mark.real
def test_exec_signs_with_pod_identity_credentials(
    pod_env: AwsEnv, endpoint: CredentialsEndpoint
) -> None:
    proc = pod_env.run("exec", "--cluster-name", "demo", "--region", "us-west-2", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    verified(answer["status"]["token"])
    assert endpoint.authorizations == [AGENT_TOKEN]


@pytest.mark.real
def test_a_wrong_agent_token_is_one_line_naming_the_endpoint(
    pod_env: AwsEnv, endpoint: CredentialsEndpoint
) -> None:
    Path(pod_env.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]).write_text("stale")
    proc = pod_env.run("exec", "--cluster-name", "demo", "--region", "us-west-2", "--no-cache")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in proc.stderr
    assert "Traceback" not in proc.stderr and "stale" not in proc.stderr
    assert endpoint.authorizations and set(endpoint.authorizations) == {"stale"}


def test_the_package_pins_a_botocore_that_reads_pod_identity_credentials() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    from botocore.utils import ContainerMetadataFetcher

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {
        dep.split(">=")[0]: dep.split(">=")[1]
        for dep in project["dependencies"]
        if dep.startswith(("boto3>=", "botocore>="))
    }
    assert floors == {"boto3": BOTOCORE_FLOOR, "botocore": BOTOCORE_FLOOR}
    assert "169.254.170.23" in vars(ContainerMetadataFetcher)["_ALLOWED_HOSTS"]  # the agent
