"""AssumeRole without botocore (aws/assume.py), held to botocore: the same requests (every
signature checked by botocore's signer in the STS double), the same credentials from the same
answer, the same errors, retries and timeouts, and botocore wherever it would connect otherwise.
Against moto too, as the whole `--role-arn` path."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eks_tf_auth import identity
from eks_tf_auth.aws import assume
from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.errors import Error
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv, moto_sessions
from tests.support.sts_double import DROP, Answer, StsDouble, error, sts_double, success

ROLE = "arn:aws:iam::123456789012:role/deploy/eks-admin"
Outcome = Credentials | tuple[str, str, str | None]


def resolve(role: str = ROLE, **kwargs: str) -> identity.Resolved:
    request = identity.ClusterRequest(cluster_name="prod", role_arn=role, **kwargs)
    return identity.resolve(request, os.environ)


def outcome(call: Callable[[], Credentials]) -> Outcome:
    try:
        return call()
    except Error as e:
        return (type(e).__name__, str(e), e.hint)


@pytest.fixture
def both(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[Outcome, Outcome]]:
    """What the fast path gives and what botocore gives, for the same request."""

    def run(**kwargs: str) -> tuple[Outcome, Outcome]:
        resolved = resolve(**kwargs)
        fast = outcome(lambda: identity.credentials(resolved, os.environ))
        with monkeypatch.context() as m:
            m.setattr(assume, "ca_bundle", lambda *_: None)
            slow = outcome(lambda: identity.credentials(resolved, os.environ))
        return fast, slow

    return run


@pytest.fixture
def stub_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between attempts, recorded for the fast path (botocore's are real)."""
    waits: list[float] = []
    real = assume.assume_role

    def recorded(*args: object, **kwargs: object) -> Credentials:
        kwargs["sleep"] = waits.append
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assume, "assume_role", recorded)
    return waits


@pytest.fixture
def double_env(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    monkeypatch.setenv("EKS_TF_AUTH_READ_TIMEOUT", "0.5")
    monkeypatch.setenv("EKS_TF_AUTH_CONNECT_TIMEOUT", "1")
    return aws_env


@pytest.fixture
def double(double_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[StsDouble]:
    with sts_double({TEST_ACCESS_KEY: TEST_SECRET}, [Answer(200, success())]) as d:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", d.url)
        yield d


def test_the_same_credentials_from_the_same_answer(
    double: StsDouble, both: Callable[..., tuple[Outcome, Outcome]]
) -> None:
    fast, slow = both(external_id="a+b=c,d.e@f:/g-h", session_name="ci@run-7")
    assert (
        fast
        == slow
        == Credentials(
            "ASIAEXAMPLEROLEKEY01",
            "role/secret+key",
            "FwoGZXIvYXdzEXAMPLE//token==",
            datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        )
    )
    fast_seen, slow_seen = double.seen
    assert fast_seen.signature_ok and slow_seen.signature_ok
    assert "Botocore" not in fast_seen.user_agent and "Botocore" in slow_seen.user_agent
    assert (
        fast_seen.params
        == slow_seen.params
        == {
            "Action": "AssumeRole",
            "Version": "2011-06-15",
            "RoleArn": ROLE,
            "RoleSessionName": "ci@run-7",
            "ExternalId": "a+b=c,d.e@f:/g-h",
        }
    )


@pytest.mark.parametrize(
    "expiration", ["2030-01-02T03:04:05.123Z", "2030-01-02T03:04:05", "2030-01-02T05:04:05+02:00"]
)
def test_expirations_read_alike(
    double: StsDouble, both: Callable[..., tuple[Outcome, Outcome]], expiration: str
) -> None:
    double.script[:] = [Answer(200, success(expiration=expiration))]
    fast, slow = both()
    assert isinstance(fast, Credentials) and fast == slow


def test_session_credentials_as_the_source_are_signed_alike(
    double: StsDouble,
    both: Callable[..., tuple[Outcome, Outcome]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLE/+=")
    fast, slow = both()
    assert isinstance(fast, Credentials) and fast == slow
    assert [s.signature_ok for s in double.seen] == [True, True]
    # The default session name: the same prefix and clock on both paths.
    names = {s.params["RoleSessionName"].rsplit("-", 1)[0] for s in double.seen}
    assert names == {"eks-tf-auth"}


def test_static_keys_in_a_profile_are_the_source(
    double: StsDouble,
    both: Callable[..., tuple[Outcome, Outcome]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[ci]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "ci")
    fast, slow = both()
    assert isinstance(fast, Credentials) and fast == slow
    assert [("Botocore" in s.user_agent, s.signature_ok) for s in double.seen] == [
        (False, True),
        (True, True),
    ]


@pytest.mark.parametrize(
    ("script", "requests"),
    [
        ([Answer(403, error("AccessDenied", "User: x is not authorized: sts:AssumeRole"))], 1),
        ([Answer(403, error("InvalidClientTokenId", "The security token is invalid."))], 1),
        ([Answer(400, error("ValidationError", "1 validation error detected"))], 1),
        ([Answer(400, error("Throttling", "Rate exceeded"))], 2),
        ([Answer(500, error("InternalFailure", "internal\n  failure"))], 2),
        ([Answer(503, "")], 2),
        ([Answer(429, error("TooManyRequestsException", "Too many"))], 2),
        ([Answer(502, "<html>bad gateway</html>")], 2),
        ([Answer(400, error("RequestLimitExceeded", "slow down")), Answer(200, success())], 2),
        ([Answer(503, ""), Answer(200, success())], 2),
        ([Answer(DROP)], 2),
        ([Answer(DROP), Answer(200, success())], 2),
        ([Answer(200, success(), stall=0.8)], 2),
    ],
    ids=[
        "denied", "bad-key", "invalid", "throttled", "internal", "unavailable", "429",
        "html-502", "throttled-then-ok", "503-then-ok", "dropped", "dropped-then-ok", "stalled",
    ],
)  # fmt: skip
def test_failures_and_retries_alike(
    double: StsDouble,
    both: Callable[..., tuple[Outcome, Outcome]],
    stub_sleep: list[float],
    script: list[Answer],
    requests: int,
) -> None:
    double.script[:] = [*script, *script]  # the fast path's answers, then botocore's
    fast, slow = both()
    assert fast == slow
    assert len(double.seen) == 2 * requests
    assert len(stub_sleep) == requests - 1 and all(0 <= w < 1 for w in stub_sleep)
    if isinstance(fast, tuple):
        assert "\n" not in fast[1] and fast[1].startswith(f"cannot assume role {ROLE}: ")


def test_answers_botocore_reads_otherwise_go_to_botocore(
    double: StsDouble, both: Callable[..., tuple[Outcome, Outcome]]
) -> None:
    """An answer the fast path does not fully understand is asked again through botocore:
    the outcome is botocore's, whatever it is."""
    no_token = success().replace("SessionToken>", "Other>")
    for body in ("not xml", no_token, success(expiration="next tuesday"), error("", "x"), ""):
        double.script[:] = [Answer(400 if "Error" in body else 429 if not body else 200, body)]
        double.seen.clear()
        fast, slow = both()
        assert fast == slow
        assert ["Botocore" in s.user_agent for s in double.seen][:2] == [False, True]


def test_an_endpoint_that_refuses_connections(
    double_env: AwsEnv,
    both: Callable[..., tuple[Outcome, Outcome]],
    stub_sleep: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.support.tools import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{free_port()}")
    fast, slow = both()
    assert fast == slow and isinstance(fast, tuple)
    assert "Could not connect to the endpoint URL" in fast[1] and len(stub_sleep) == 1


def test_a_tls_endpoint_that_fails_verification_goes_to_botocore(
    double: StsDouble, both: Callable[..., tuple[Outcome, Outcome]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain HTTP spoken to as HTTPS: a TLS failure, which botocore words itself."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", double.url.replace("http:", "https:"))
    fast, slow = both()
    assert fast == slow and isinstance(fast, tuple)


@pytest.mark.parametrize(
    "setting",
    [
        "HTTPS_PROXY=http://127.0.0.1:9",
        "no_proxy=*",
        "AWS_CA_BUNDLE=",
        "REQUESTS_CA_BUNDLE= ",
        "profile:ca_bundle = ",
        "profile:tcp_keepalive = true",
    ],
)
def test_what_changes_how_botocore_connects_goes_to_botocore(
    double_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    if setting.startswith("profile:"):
        Path(os.environ["AWS_CONFIG_FILE"]).write_text(f"[default]\n{setting[8:]}\n")
    else:
        name, value = setting.split("=", 1)
        monkeypatch.setenv(name, value)
    assert assume.ca_bundle(resolve().settings, os.environ) is None


@pytest.mark.parametrize(
    ("env", "profile", "chosen"),
    [
        ({}, "", "default"),
        ({"REQUESTS_CA_BUNDLE": "/r.pem"}, "", "/r.pem"),
        ({"REQUESTS_CA_BUNDLE": "/r.pem"}, "ca_bundle = /p.pem", "/p.pem"),
        ({"REQUESTS_CA_BUNDLE": "/r", "AWS_CA_BUNDLE": "/a.pem"}, "ca_bundle = /p", "/a.pem"),
    ],
)  # fmt: skip
def test_the_ca_bundle_is_the_one_botocore_verifies_with(
    double_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    profile: str,
    chosen: str,
) -> None:
    import botocore.session

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(f"[default]\n{profile}\n")
    ours = assume.ca_bundle(resolve().settings, os.environ)
    client = botocore.session.Session().create_client("sts", region_name="us-west-2")
    verify = client._endpoint.http_session._verify  # type: ignore[attr-defined]
    theirs = __import__("certifi").where() if verify is True else verify
    assert ours == theirs
    assert (ours == __import__("certifi").where()) == (chosen == "default")


def test_without_certifi_the_bundle_botocore_ships(
    double_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import botocore.httpsession

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setitem(sys.modules, "certifi", None)
    assert (
        assume.ca_bundle(resolve().settings, os.environ) == botocore.httpsession.DEFAULT_CA_BUNDLE
    )


def test_tls_verified_with_the_same_bundle(
    double_env: AwsEnv,
    both: Callable[..., tuple[Outcome, Outcome]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A TLS endpoint whose CA is the bundle: both paths trust it; without it, neither does."""
    with sts_double({TEST_ACCESS_KEY: TEST_SECRET}, [Answer(200, success())], tls=True) as d:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", d.url)
        bundle = tmp_path / "ca.pem"
        bundle.write_text(d.ca_pem)
        monkeypatch.setenv("AWS_CA_BUNDLE", str(bundle))
        fast, slow = both()
        assert isinstance(fast, Credentials) and fast == slow
        assert [("Botocore" in s.user_agent, s.signature_ok) for s in d.seen] == [
            (False, True),
            (True, True),
        ]
        directory = tmp_path / "certs"
        directory.mkdir()
        (directory / "other.pem").write_text(d.ca_pem)
        monkeypatch.setenv("AWS_CA_BUNDLE", str(directory))  # a directory: not hashed, not trusted
        d.seen.clear()
        fast, slow = both()
        assert fast == slow and isinstance(fast, tuple)
        monkeypatch.delenv("AWS_CA_BUNDLE")
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        d.seen.clear()
        fast, slow = both()  # certifi's bundle does not know the double's CA
        assert fast == slow and isinstance(fast, tuple) and "SSL" in fast[1]
        assert d.seen == []
        monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "missing.pem"))
        fast, slow = both()
        assert fast == slow and isinstance(fast, tuple)


def test_the_signature_is_botocores(double: StsDouble) -> None:
    """Known answer for one fixed request, beside the double's check of every request."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    from eks_tf_auth.aws.endpoints import Endpoint

    at = datetime(2026, 11, 29, 1, 2, 3, tzinfo=timezone.utc)
    endpoint = Endpoint(
        "https://sts.eu-west-1.amazonaws.com/prefix", "sts.eu-west-1.amazonaws.com", "eu-west-1"
    )
    source = Credentials(TEST_ACCESS_KEY, TEST_SECRET, "session/token+=")
    body = b"Action=AssumeRole&Version=2011-06-15&RoleArn=x"
    headers = assume.sign(source, endpoint, body, at)
    request = AWSRequest(
        method="POST",
        url="https://sts.eu-west-1.amazonaws.com/prefix/",
        data=body,
        headers={k: v for k, v in headers.items() if k != "authorization"},
    )
    request.context["timestamp"] = "20261129T010203Z"
    signer = SigV4Auth(
        BotoCredentials(TEST_ACCESS_KEY, TEST_SECRET, "session/token+="), "sts", "eu-west-1"
    )
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    assert headers["authorization"].endswith(f"Signature={signature}")
    assert headers["authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={TEST_ACCESS_KEY}/20261129/eu-west-1/sts/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"
    )


@pytest.mark.real
def test_role_arn_against_moto_without_botocore(
    aws_env: AwsEnv, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole --role-arn path: moto hands out a session for exactly what was asked."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    before = set(moto_sessions())
    creds = identity.credentials(resolve(external_id="ext-1", session_name="moto-fast"), os.environ)
    new = moto_sessions()[creds.access_key_id]
    assert creds.access_key_id not in before
    assert (new.role_arn, new.session_name, new.external_id) == (ROLE, "moto-fast", "ext-1")
    assert (new.secret_access_key, new.session_token) == (
        creds.secret_access_key,
        creds.session_token,
    )
    assert creds.expires_at is not None
    assert (
        timedelta(minutes=50) < creds.expires_at - datetime.now(timezone.utc) < timedelta(hours=2)
    )


def test_an_endpoint_that_never_accepts(
    double_env: AwsEnv,
    both: Callable[..., tuple[Outcome, Outcome]],
    stub_sleep: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A listener whose backlog is full: the connection is never set up (connect timeout)."""
    import socket

    monkeypatch.setenv("EKS_TF_AUTH_CONNECT_TIMEOUT", "0.3")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        filler: list[socket.socket] = []
        while True:  # fill the backlog until a connection is no longer set up
            conn = socket.socket()
            conn.settimeout(0.2)
            filler.append(conn)
            try:
                conn.connect(("127.0.0.1", port))
            except TimeoutError:
                break
        try:
            monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{port}")
            fast, slow = both()
        finally:
            for conn in filler:
                conn.close()
    assert fast == slow and isinstance(fast, tuple)
    assert "Connect timeout on endpoint URL" in fast[1] and len(stub_sleep) == 1
