from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from eks_tf_auth import cache
from eks_tf_auth.aws.endpoints import Endpoint
from eks_tf_auth.exec.answer import ExecRequest, issue
from eks_tf_auth.identity import ClusterRequest
from tests.support.aws import AwsEnv

ARGV = ["exec", "--cluster-name", "demo"]


def test_a_cache_that_cannot_be_written_still_answers(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING):
        patched.setattr(os, "replace", full_disk)
        issued = issue(
            ExecRequest(ClusterRequest(cluster_name="demo")), argv=ARGV, environ=os.environ
        )
    assert json.loads(issued.output)["status"]["token"].startswith("k8s-aws-v1.")
    assert "cannot write the token cache" in caplog.text and "No space left" in caplog.text
    assert list(aws_env.cache_dir.iterdir()) == [
        aws_env.cache_dir / f"{cache.invocation_key(ARGV, os.environ)}.lock"
    ]


def test_long_token_warns_without_showing_it(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "T" * 3100)
    with caplog.at_level(logging.WARNING):
        issued = issue(
            ExecRequest(ClusterRequest(cluster_name="demo"), use_cache=False),
            argv=ARGV,
            environ=os.environ,
        )
    token = json.loads(issued.output)["status"]["token"]
    assert len(token) > 4096
    assert f"the token is {len(token)} characters long" in caplog.text
    assert "TTTT" not in caplog.text and token[:40] not in caplog.text


def test_short_token_does_not_warn(aws_env: AwsEnv, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        issue(
            ExecRequest(ClusterRequest(cluster_name="demo"), use_cache=False),
            argv=ARGV,
            environ=os.environ,
        )
    assert caplog.text == ""


def test_cache_dir_under_a_file_means_no_cache(
    aws_env: AwsEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("EKS_TF_AUTH_CACHE_DIR", str(blocker / "cache"))
    issued = issue(ExecRequest(ClusterRequest(cluster_name="demo")), argv=ARGV, environ=os.environ)
    assert not issued.from_cache and issued.output.startswith('{"kind":"ExecCredential"')


@pytest.mark.parametrize("path", ["fast", "botocore"])
def test_assume_role_on_the_global_endpoint_signs_for_us_east_1(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    from eks_tf_auth.aws import assume, credentials, session
    from eks_tf_auth.aws.credentials import Credentials

    seen: dict[str, object] = {}
    assumed = Credentials("ASIAASSUMED000000000", "secret", "token")

    def sts_client(_sess: object, _source: object, *, region: str, endpoint_url: str) -> object:
        seen.update(region=region, endpoint_url=endpoint_url)
        return object()

    def fast(_source: object, endpoint: Endpoint, **_: object) -> Credentials:
        seen.update(region=endpoint.signing_region, endpoint_url=endpoint.url)
        return assumed

    monkeypatch.setattr(session, "sts_client", sts_client)
    monkeypatch.setattr(credentials, "assume_role", lambda _sts, **_: assumed)
    monkeypatch.setattr(assume, "assume_role", fast)
    if path == "botocore":
        monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    request = ExecRequest(
        ClusterRequest(
            cluster_name="demo", region="eu-west-1", role_arn="arn:aws:iam::123456789012:role/r"
        ),
        use_cache=False,
    )
    issue(request, argv=ARGV, environ=os.environ)
    assert seen == {"region": "us-east-1", "endpoint_url": "https://sts.amazonaws.com"}


def test_reprs_hide_the_external_id_and_the_token(aws_env: AwsEnv) -> None:
    request = ExecRequest(
        ClusterRequest(
            cluster_name="demo",
            role_arn="arn:aws:iam::123456789012:role/r",
            external_id="SHARED-SECRET-ID",
        )
    )
    assert "SHARED-SECRET-ID" not in repr(request)
    issued = issue(
        ExecRequest(ClusterRequest(cluster_name="demo"), use_cache=False),
        argv=ARGV,
        environ=os.environ,
    )
    assert "k8s-aws-v1" not in repr(issued)


@pytest.mark.parametrize(
    ("argv", "switch"), [(ARGV, "1"), ([*ARGV, "--no-cache"], "")], ids=["env", "flag"]
)
def test_the_cache_switches_leave_the_cache_alone(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, argv: list[str], switch: str
) -> None:
    """EKS_TF_AUTH_NO_CACHE=1 (or --no-cache in the argv) neither reads nor writes the cache."""
    monkeypatch.setenv("EKS_TF_AUTH_NO_CACHE", switch)
    request = ExecRequest(ClusterRequest(cluster_name="demo"))
    first = issue(request, argv=argv, environ=os.environ)
    second = issue(request, argv=argv, environ=os.environ)
    assert not first.from_cache and not second.from_cache
    assert not aws_env.cache_dir.exists() or list(aws_env.cache_dir.iterdir()) == []


def test_one_of_many_concurrent_cold_runs_signs(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-key lock: of ten runs that miss at once, one signs and nine read its token."""
    import threading

    from eks_tf_auth import identity

    signed: list[int] = []
    real_mint = identity.mint_token
    gate = threading.Barrier(10)

    def counting_mint(*args: object, **kwargs: object) -> object:
        signed.append(1)
        threading.Event().wait(0.2)  # hold the lock while the others arrive
        return real_mint(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(identity, "mint_token", counting_mint)
    request = ExecRequest(ClusterRequest(cluster_name="demo"))

    def run() -> str:
        gate.wait()
        return issue(request, argv=ARGV, environ=os.environ).output

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(run())) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(signed) == 1 and len(results) == 10 and len(set(results)) == 1
