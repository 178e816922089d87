from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from eks_tf_auth.aws.credentials import chain_credentials
from eks_tf_auth.aws.session import TIMEOUT_ENV, session, timeout
from eks_tf_auth.errors import InputError
from tests.support.aws import AwsEnv

ROLE = "arn:aws:iam::123456789012:role/deploy"


def test_a_machine_without_instance_metadata_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's defaults (1 s, 1 attempt) are what keeps `exec` from hanging ~20 s off EC2."""
    for name in ("AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    sess = session(None, {})
    assert int(sess.get_config_variable("metadata_service_timeout")) == 1
    assert int(sess.get_config_variable("metadata_service_num_attempts")) == 1


def test_an_unknown_profile_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    with pytest.raises(InputError, match="could not be found"):
        chain_credentials(session("no-such-profile", {}))


@pytest.fixture
def blackhole() -> Iterator[str]:
    """An endpoint on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_every_aws_call_is_bounded(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, blackhole: str
) -> None:
    from eks_tf_auth import identity
    from eks_tf_auth.errors import AwsError

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", blackhole)
    monkeypatch.setenv("EKS_TF_AUTH_READ_TIMEOUT", "0.5")
    request = identity.ClusterRequest(cluster_name="c", region="eu-west-1", role_arn=ROLE)
    resolved = identity.resolve(request, os.environ)
    started = time.monotonic()
    with pytest.raises(AwsError, match="cannot reach AWS: Read timeout") as caught:
        identity.credentials(resolved, os.environ)
    assert time.monotonic() - started < 5
    assert blackhole in caught.value.message and "AWS_ENDPOINT_URL_STS" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "name",
    [
        "EKS_TF_AUTH_CONNECT_TIMEOUT",
        "EKS_TF_AUTH_READ_TIMEOUT",
        "EKS_TF_AUTH_CREDENTIAL_PROCESS_TIMEOUT",
    ],
)
@pytest.mark.parametrize("value", ["abc", "0", "-1", "4000", "nan"])
def test_a_bad_bound_is_an_input_error(name: str, value: str) -> None:
    with pytest.raises(InputError, match=f"{name} must be a number of seconds"):
        timeout({name: value}, name)


def test_the_bounds_default_and_can_be_changed() -> None:
    assert [timeout({}, n) for n in TIMEOUT_ENV] == [d for d, _ in TIMEOUT_ENV.values()]
    assert timeout({"EKS_TF_AUTH_READ_TIMEOUT": "2.5"}, "EKS_TF_AUTH_READ_TIMEOUT") == 2.5


@pytest.mark.real
@pytest.mark.parametrize(
    ("argv", "stdin", "variable"),
    [
        (["exec", "--cluster-name", "c", "--role-arn", ROLE, "--no-cache"], None, "STS"),
        (["external"], '{"cluster_name": "c"}', "EKS"),
    ],
    ids=["exec-role-arn", "external"],
)
def test_a_server_that_never_answers_fails_within_twenty_seconds(
    aws_env: AwsEnv, blackhole: str, argv: list[str], stdin: str | None, variable: str
) -> None:
    """With the default bounds, as kubectl and Terraform would wait for us."""
    from tests.support.tools import BIN_DIR, real_tool

    real_tool("the eks-tf-auth console script")
    env = {**aws_env.env, f"AWS_ENDPOINT_URL_{variable}": blackhole}
    started = time.monotonic()
    proc = subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), *argv],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 1 and elapsed < 20, (elapsed, proc.stderr)
    assert "cannot reach AWS: Read timeout" in proc.stderr
    assert f"AWS_ENDPOINT_URL_{variable}" in proc.stderr
