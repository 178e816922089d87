"""kube.client against the HTTPS EKS API double: ConfigMaps read, created and replaced with
resourceVersions; a 409 is a Conflict and every other failure one KubeError line naming the
cluster; impersonation headers; tokens minted again across their expiry (an injected clock the
double shares); kubeconfig targets (static token, token file, exec plugins run as client-go runs
them, the real console script), in-cluster targets; kube_client by name against moto's EKS;
real kubectl reading back what the client stored."""

from __future__ import annotations

import base64
import importlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from eks_tf_auth import identity
from eks_tf_auth.aws.eks import Cluster
from eks_tf_auth.errors import AwsError, Error, ExitCode, InputError, KubeError
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.kube import client
from eks_tf_auth.kube.client import ConfigMaps, Conflict, Target, TokenAuth
from eks_tf_auth.token import format_time
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import WRITE_METHODS, EksApiDouble, Identity
from tests.support.tools import BIN_DIR, free_port, kubectl_binary, real_tool

CLUSTER = "prod"
REGION = "us-west-2"
NS = "kube-system"
V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"
START = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
ENV = {
    "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": TEST_SECRET,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
IDENTITIES = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}


class Clock:
    """The one clock the client (minting, refresh) and the double (token validity) share."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture(autouse=True)
def _closed_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every client a test connects (kube_client included) is closed after it, so that no
    socket is left to the garbage collector (a ResourceWarning, an error here)."""
    made: list[Any] = []
    original = client.connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(client, "connect", connect)
    yield
    for kube in made:
        kube.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def double(clock: Clock) -> Iterator[EksApiDouble]:
    with EksApiDouble(cluster_id=CLUSTER, identities=IDENTITIES, now=clock) as running:
        yield running


@pytest.fixture
def described(monkeypatch: pytest.MonkeyPatch, double: EksApiDouble) -> list[str]:
    """DescribeCluster answered with the double's endpoint and CA (moto does it for real in
    test_kube_client_by_name_against_moto); the names described."""
    names: list[str] = []

    def describe(
        profile: str | None, credentials: object, *, name: str, region: str, environ: object
    ) -> Cluster:
        names.append(name)
        return Cluster(name, region, "ACTIVE", double.url, double.ca_data)

    monkeypatch.setattr("eks_tf_auth.aws.eks.describe_cluster", describe)
    return names


def connected(clock: Clock, name: str = CLUSTER, **kwargs: Any) -> ConfigMaps:
    return ConfigMaps(client.kube_client(name, region=REGION, now=clock, environ=ENV, **kwargs))


def mint(cluster: str = CLUSTER, at: datetime | None = None) -> str:
    resolved = identity.resolve(ClusterRequest(cluster_name=cluster, region=REGION), ENV)
    creds = identity.credentials(resolved, ENV)
    return identity.mint_token(resolved, creds, now=lambda: at or datetime.now(timezone.utc)).value


def assert_one_line(error: Error, *parts: str) -> None:
    text = str(error)
    assert "\n" not in text and "\n" not in (error.hint or ""), text
    for part in parts:
        assert part in text, text


# -- ConfigMaps: read, create, replace -------------------------------------------------------


def test_get_create_and_replace_with_resource_versions(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    cms = connected(clock)
    assert cms.get(NS, "aws-auth") is None

    created = cms.create(NS, "aws-auth", {"mapRoles": "- a\n"})
    assert cms.get(NS, "aws-auth") == ({"mapRoles": "- a\n"}, created)
    replaced = cms.replace(NS, "aws-auth", {"mapRoles": "- b\n", "mapUsers": ""}, created)

    assert int(replaced) > int(created)
    stored = double.configmap(NS, "aws-auth")
    assert stored is not None
    assert stored["data"] == {"mapRoles": "- b\n", "mapUsers": ""}
    assert stored["metadata"]["resourceVersion"] == replaced  # type: ignore[index]
    assert described == [CLUSTER]
    assert [(r.method, r.status) for r in double.requests] == [
        ("GET", 404),
        ("POST", 201),
        ("GET", 200),
        ("PUT", 200),
    ]
    assert {r.arn for r in double.requests} == {TEST_ARN}


def test_replace_keeps_labels_and_annotations(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    version = double.put_configmap(
        NS, "aws-auth", {"mapRoles": ""}, labels={"team": "a"}, annotations={"note": "keep"}
    )
    cms = connected(clock)
    cms.replace(NS, "aws-auth", {"mapRoles": "- x\n"}, version)  # never read: read first
    found = double.configmap(NS, "aws-auth")
    assert found is not None
    assert found["metadata"]["labels"] == {"team": "a"}  # type: ignore[index]
    assert found["metadata"]["annotations"] == {"note": "keep"}  # type: ignore[index]
    assert [r.method for r in double.requests] == ["GET", "PUT"]


def test_a_stale_version_is_a_conflict(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    cms = connected(clock)
    version = cms.create(NS, "aws-auth", {"mapRoles": ""})
    double.put_configmap(NS, "aws-auth", {"mapRoles": "- someone else\n"})  # a second writer

    with pytest.raises(Conflict) as caught:
        cms.replace(NS, "aws-auth", {"mapRoles": "- mine\n"}, version)

    assert_one_line(caught.value, "409 Conflict", "cluster 'prod'", "kube-system/aws-auth")
    assert caught.value.exit_code == ExitCode.FAILED
    assert isinstance(caught.value, KubeError)
    assert double.requests[-1].status == 409
    stored = double.configmap(NS, "aws-auth")
    assert stored is not None and stored["data"] == {"mapRoles": "- someone else\n"}


def test_a_version_older_than_the_one_read_conflicts_without_a_write(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    old = double.put_configmap(NS, "aws-auth", {"mapRoles": ""})
    new = double.put_configmap(NS, "aws-auth", {"mapRoles": "- b\n"})
    cms = connected(clock)
    with pytest.raises(Conflict, match=f"changed since version {old} \\(now {new}\\)"):
        cms.replace(NS, "aws-auth", {}, old)
    assert [r.method for r in double.requests] == ["GET"]


def test_replacing_a_configmap_that_is_gone(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    with pytest.raises(KubeError, match="it does not exist") as caught:
        connected(clock).replace(NS, "aws-auth", {}, "7")
    assert not isinstance(caught.value, Conflict)


def test_creating_one_that_exists_is_a_conflict(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    double.put_configmap(NS, "aws-auth", {})
    with pytest.raises(Conflict, match='409 Conflict \\(configmaps "aws-auth" already exists\\)'):
        connected(clock).create(NS, "aws-auth", {"mapRoles": ""})


def test_callers_retry_only_conflicts(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    double.answer(409, methods=WRITE_METHODS, times=2)
    cms = connected(clock)
    attempts = 0
    while True:
        attempts += 1
        found = cms.get(NS, "aws-auth")
        try:
            if found is None:
                cms.create(NS, "aws-auth", {"mapRoles": ""})
            else:
                cms.replace(NS, "aws-auth", {"mapRoles": "- x\n"}, found[1])
            break
        except Conflict:
            continue
    assert attempts == 3
    assert [r.status for r in double.requests if r.method == "POST"] == [409, 409, 201]


# -- failures: one line naming the cluster and the status ------------------------------------


@pytest.mark.parametrize(
    ("script", "call", "status", "hint"),
    [
        ({"status": 403}, "get", "403 Forbidden", "RBAC"),
        ({"status": 401}, "get", "401 Unauthorized", "eks-tf-auth doctor"),
        ({"status": 500, "message": "etcd\nis   down"}, "get", "500 Internal Server Error", None),
        (None, "create-elsewhere", '404 Not Found (namespaces "nope" not found)', "namespace"),
        (None, "create-invalid", "422 Unprocessable Entity", "invalid"),
        ({"status": 502, "body": b"<html>bad gateway</html>"}, "get", "502 Bad Gateway", None),
        ({"status": 404, "methods": ["PUT"]}, "replace", "404 Not Found", "any more"),
    ],
)
def test_http_failures_are_one_line_kube_errors(
    double: EksApiDouble,
    described: list[str],
    clock: Clock,
    script: dict[str, Any] | None,
    call: str,
    status: str,
    hint: str | None,
) -> None:
    version = double.put_configmap(NS, "aws-auth", {})
    cms = connected(clock)
    cms.get(NS, "aws-auth")
    if script is not None:
        double.answer(**script)
    with pytest.raises(KubeError) as caught:
        if call == "get":
            cms.get(NS, "aws-auth")
        elif call == "create-elsewhere":
            cms.create("nope", "aws-auth", {})
        elif call == "create-invalid":
            cms.create(NS, "Not_A_Name", {})
        else:
            cms.replace(NS, "aws-auth", {}, version)
    error = caught.value
    assert not isinstance(error, Conflict)
    assert_one_line(error, "in cluster 'prod'", status)
    assert "<html>" not in str(error)
    if hint is None:
        assert error.hint is None
    else:
        assert hint in (error.hint or "")


def test_a_token_the_cluster_refuses_is_401_naming_the_cluster(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    with pytest.raises(KubeError) as caught:
        connected(clock, "staging").get(NS, "aws-auth")  # a token bound to another cluster
    assert_one_line(caught.value, "cluster 'staging'", "401 Unauthorized (Unauthorized)")
    assert double.requests[-1].reason is not None
    assert "signature mismatch" in double.requests[-1].reason


def test_a_closed_port_is_one_line(double: EksApiDouble) -> None:
    url = f"https://127.0.0.1:{free_port()}"
    target = Target(name=CLUSTER, server=url, ca_pem=double.ca_pem)
    with pytest.raises(KubeError) as caught:
        ConfigMaps(client.connect(target, environ=ENV)).get(NS, "aws-auth")
    assert_one_line(caught.value, f"in cluster 'prod': cannot reach {url}")
    assert "VPN" in (caught.value.hint or "")


def test_a_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # connections complete; nobody ever answers the TLS handshake
        url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        env = {
            **ENV,
            "EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT": "0.2",
            "EKS_TF_AUTH_KUBE_READ_TIMEOUT": "0.2",
        }
        cms = ConfigMaps(client.connect(Target(name=CLUSTER, server=url), environ=env))
        with pytest.raises(KubeError) as caught:
            cms.get(NS, "aws-auth")
    assert_one_line(caught.value, f"no answer from {url} in time")
    assert "EKS_TF_AUTH_KUBE_READ_TIMEOUT" in (caught.value.hint or "")


@pytest.mark.parametrize("value", ["0", "-1", "3601", "soon"])
def test_timeouts_must_be_seconds(value: str) -> None:
    with pytest.raises(InputError, match="EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT must be"):
        client.connect(
            Target(name=CLUSTER, server="https://127.0.0.1:1"),
            environ={"EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT": value},
        )


def test_tls_is_verified_against_the_clusters_ca(double: EksApiDouble, clock: Clock) -> None:
    with EksApiDouble(cluster_id=CLUSTER, identities={}) as other:
        target = Target(name=CLUSTER, server=double.url, ca_pem=other.ca_pem)
        with pytest.raises(KubeError, match="CERTIFICATE_VERIFY_FAILED"):
            ConfigMaps(client.connect(target, environ=ENV)).get(NS, "aws-auth")
    assert double.requests == []


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "ConfigMap", "apiVersion": "v1", "data": {"a": "b"}},  # no resourceVersion
        {"kind": "ConfigMap", "metadata": {"resourceVersion": "3"}, "data": {"a": 1}},
        [1, 2],
    ],
)
def test_an_answer_that_is_not_a_configmap(
    double: EksApiDouble, described: list[str], clock: Clock, body: Any
) -> None:
    cms = connected(clock)
    double.answer(200, body=body if isinstance(body, dict) else json.dumps(body).encode())
    with pytest.raises(KubeError) as caught:
        cms.get(NS, "aws-auth")
    assert_one_line(caught.value, "in cluster 'prod': the answer is not a ConfigMap")


def test_plain_text_200_is_not_a_configmap(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    cms = connected(clock)
    double.answer(200, body=b"hello")
    with pytest.raises(KubeError, match="the answer is not a ConfigMap"):
        cms.get(NS, "aws-auth")


# -- impersonation -----------------------------------------------------------------------------


def test_impersonation_sends_one_header_per_group(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    cms = connected(clock, as_user="alice", as_groups=("system:masters", "eks:admins"))
    cms.create(NS, "aws-auth", {})
    cms.get(NS, "aws-auth")
    for record in double.requests:
        assert record.impersonate_user == "alice"
        assert record.impersonate_groups == ("system:masters", "eks:admins")
        assert record.arn == TEST_ARN


def test_without_impersonation_no_headers_are_sent(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    connected(clock).get(NS, "aws-auth")
    [record] = double.requests
    assert (record.impersonate_user, record.impersonate_groups) == (None, ())


@pytest.mark.parametrize(
    ("as_user", "as_groups", "message"),
    [
        (None, ("system:masters",), "impersonating groups needs a user"),
        ("alice\r\nX-Evil: 1", (), "not printable ASCII"),
        ("alice", ("ok", "été"), "not printable ASCII"),
        (" alice", (), "not printable ASCII"),
    ],
)
def test_impersonation_values_are_checked(
    as_user: str | None, as_groups: tuple[str, ...], message: str
) -> None:
    target = Target(name=CLUSTER, server="https://127.0.0.1:1")
    with pytest.raises(InputError, match=message):
        client.connect(target, as_user=as_user, as_groups=as_groups, environ=ENV)


def test_a_server_that_is_not_https_is_refused() -> None:
    with pytest.raises(InputError, match="is not https"):
        client.connect(Target(name=CLUSTER, server="http://127.0.0.1:8080"), environ=ENV)


# -- tokens across their expiry --------------------------------------------------------------


@pytest.fixture
def mints(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """When each token was minted (by the injected clock)."""
    times: list[datetime] = []
    original = identity.mint_token

    def counted(*args: Any, now: Callable[[], datetime], **kwargs: Any) -> Any:
        times.append(now())
        return original(*args, now=now, **kwargs)

    monkeypatch.setattr(identity, "mint_token", counted)
    return times


def test_a_client_keeps_working_past_the_token_expiry(
    double: EksApiDouble, described: list[str], clock: Clock, mints: list[datetime]
) -> None:
    cms = connected(clock)
    cms.create(NS, "aws-auth", {})
    clock.advance(minutes=12, seconds=59)
    cms.get(NS, "aws-auth")
    assert mints == [START]  # still a minute and more before its expiration
    clock.advance(seconds=1)
    cms.get(NS, "aws-auth")
    assert mints == [START, START + timedelta(minutes=13)]  # within a minute of it: a new one
    clock.advance(minutes=16)
    assert cms.get(NS, "aws-auth") is not None
    assert len(mints) == 3
    assert all(r.status < 400 for r in double.requests), double.requests


def test_a_static_token_fails_after_15_minutes(
    double: EksApiDouble, clock: Clock, tmp_path: Path
) -> None:
    """What the refresh is for: a client built on one token gets 401 once it expires."""
    path = kubeconfig_file(tmp_path, double, {"token": mint(at=START)})
    cms = ConfigMaps(client.connect(client.kubeconfig_target(str(path)), now=clock, environ=ENV))
    assert cms.get(NS, "aws-auth") is None
    clock.advance(minutes=16)
    with pytest.raises(KubeError, match="401 Unauthorized"):
        cms.get(NS, "aws-auth")
    assert double.requests[-1].reason is not None
    assert "expired" in double.requests[-1].reason


def test_expiring_aws_credentials_are_fetched_again(
    double: EksApiDouble, described: list[str], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**ENV, "AWS_CREDENTIAL_EXPIRATION": format_time(START + timedelta(minutes=20))}
    fetched: list[datetime | None] = []
    original = identity.credentials

    def counted(resolved: identity.Resolved, environ: Mapping[str, str], **kw: Any) -> Any:
        creds = original(resolved, environ, **kw)
        fetched.append(creds.expires_at)
        return creds

    monkeypatch.setattr(identity, "credentials", counted)
    cms = ConfigMaps(client.kube_client(CLUSTER, region=REGION, now=clock, environ=env))
    cms.get(NS, "aws-auth")
    clock.advance(minutes=14)  # a new token; the credentials last 6 more minutes: kept
    cms.get(NS, "aws-auth")
    assert len(fetched) == 1
    env["AWS_CREDENTIAL_EXPIRATION"] = format_time(START + timedelta(hours=2))
    clock.advance(minutes=14)  # they expired: fetched again, then the token minted
    cms.get(NS, "aws-auth")
    assert fetched == [START + timedelta(minutes=20), START + timedelta(hours=2)]
    assert [r.status for r in double.requests] == [404, 404, 404]


def test_token_auth_without_a_source_sends_no_authorization(double: EksApiDouble) -> None:
    cms = ConfigMaps(client.connect(Target(name=CLUSTER, server=double.url, ca_pem=double.ca_pem)))
    with pytest.raises(KubeError, match="401"):
        cms.get(NS, "aws-auth")
    assert double.requests[-1].reason == "missing Authorization header"


def test_token_auth_is_an_httpx_auth() -> None:
    import httpx2

    auth = TokenAuth(lambda now: client.Credential("t", None), as_user="u", as_groups=["a", "b"])
    request = httpx2.Request("GET", "https://example.invalid/")
    flow = auth.sync_auth_flow(request)
    sent = next(flow)
    assert sent.headers["Authorization"] == "Bearer t"
    assert sent.headers.get_list("Impersonate-Group") == ["a", "b"]
    with pytest.raises(StopIteration):
        flow.send(httpx2.Response(401))  # a static token is not fetched again


# -- kubeconfig targets ----------------------------------------------------------------------


def kubeconfig_file(
    tmp_path: Path,
    double: EksApiDouble,
    user: dict[str, Any],
    *,
    cluster: dict[str, Any] | None = None,
    context: str = "eks",
    name: str = "kubeconfig",
) -> Path:
    cluster_body = {"server": double.url, "certificate-authority-data": double.ca_data}
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {**cluster_body, **(cluster or {})}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [
            {"name": context, "context": {"cluster": "c", "user": "u", "namespace": NS}},
            {"name": "other", "context": {"cluster": "c"}},
        ],
        "current-context": context,
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_kubeconfig_static_token_and_context(double: EksApiDouble, tmp_path: Path) -> None:
    path = kubeconfig_file(tmp_path, double, {"token": mint(at=START)})
    target = client.kubeconfig_target(str(path), environ={})
    assert (target.name, target.namespace, target.server) == ("eks", NS, double.url)
    assert target.ca_pem == double.ca_pem
    assert not target.renew_on_401
    assert ConfigMaps(client.connect(target, now=Clock(), environ=ENV)).get(NS, "x") is None
    other = client.kubeconfig_target(str(path), "other", environ={})
    assert (other.name, other.namespace, other.token) == ("other", "default", None)


def test_kubeconfig_token_file(double: EksApiDouble, tmp_path: Path) -> None:
    (tmp_path / "token").write_text(mint(at=START))
    path = kubeconfig_file(tmp_path, double, {"tokenFile": "token", "token": "ignored"})
    target = client.kubeconfig_target(str(path), environ={})
    assert target.renew_on_401
    assert ConfigMaps(client.connect(target, now=Clock(), environ=ENV)).get(NS, "x") is None
    assert [r.status for r in double.requests] == [404]


def test_kubeconfig_from_the_default_loading_rules(double: EksApiDouble, tmp_path: Path) -> None:
    path = kubeconfig_file(tmp_path, double, {"token": "t"})
    listed = f"{tmp_path / 'missing'}{os.pathsep}{path}"
    assert client.kubeconfig_target(environ={"KUBECONFIG": listed}).server == double.url
    (tmp_path / ".kube").mkdir()
    kubeconfig_file(tmp_path / ".kube", double, {"token": "t"}, name="config")
    assert client.kubeconfig_target(environ={"HOME": str(tmp_path)}).name == "eks"


def test_kubeconfig_ca_file_relative_to_the_kubeconfig(
    double: EksApiDouble, tmp_path: Path
) -> None:
    (tmp_path / "ca.pem").write_text(double.ca_pem)
    path = kubeconfig_file(
        tmp_path,
        double,
        {"token": mint(at=START)},
        cluster={"certificate-authority-data": None, "certificate-authority": "ca.pem"},
    )
    target = client.kubeconfig_target(str(path), environ={})
    assert target.ca_pem == double.ca_pem
    assert ConfigMaps(client.connect(target, now=Clock(), environ=ENV)).get(NS, "x") is None


def test_kubeconfig_without_a_ca_uses_the_system_trust(
    double: EksApiDouble, tmp_path: Path
) -> None:
    path = kubeconfig_file(
        tmp_path, double, {"token": "t"}, cluster={"certificate-authority-data": None}
    )
    target = client.kubeconfig_target(str(path), environ={})
    assert target.ca_pem is None
    with pytest.raises(KubeError, match="CERTIFICATE_VERIFY_FAILED"):
        ConfigMaps(client.connect(target, environ=ENV)).get(NS, "x")


def test_kubeconfig_impersonation_and_proxy(double: EksApiDouble, tmp_path: Path) -> None:
    user = {"token": mint(at=START), "as": "bob", "as-groups": ["g1", "g2"]}
    path = kubeconfig_file(tmp_path, double, user, cluster={"proxy-url": "http://proxy:3128"})
    target = client.kubeconfig_target(str(path), environ={})
    assert (target.as_user, target.as_groups, target.proxy) == (
        "bob",
        ("g1", "g2"),
        "http://proxy:3128",
    )
    direct = replace(target, proxy=None)
    cms = ConfigMaps(client.connect(direct, now=Clock(), environ=ENV))
    cms.get(NS, "x")
    cms = ConfigMaps(client.connect(direct, as_user="carol", now=Clock(), environ=ENV))
    cms.get(NS, "x")
    assert [(r.impersonate_user, r.impersonate_groups) for r in double.requests] == [
        ("bob", ("g1", "g2")),
        ("carol", ("g1", "g2")),
    ]


@pytest.mark.parametrize(
    ("user", "cluster", "message"),
    [
        ({"token": "t"}, {"insecure-skip-tls-verify": True}, "insecure-skip-tls-verify is set"),
        ({"token": "t"}, {"tls-server-name": "x"}, "tls-server-name is not supported"),
        ({"client-certificate-data": "Y2VydA=="}, {}, "client-certificate-data, which"),
        ({"username": "a", "password": "b"}, {}, "username, password, which"),
        ({"token": "t", "exec": {"apiVersion": V1, "command": "x"}}, {}, "an exec plugin and"),
        ({"token": "t"}, {"certificate-authority-data": "not base64!"}, "not base64 PEM"),
        ({"token": "t"}, {"certificate-authority-data": "bm90IGEgY2VydA=="}, "no PEM certificate"),
        (
            {"token": "t"},
            {"certificate-authority-data": None, "certificate-authority": "/no/ca"},
            "cannot read the CA file /no/ca",
        ),
        (
            {"exec": {"apiVersion": "client.authentication.k8s.io/v1alpha1", "command": "x"}},
            {},
            "removed in Kubernetes 1.24",
        ),
        (
            {"exec": {"apiVersion": V1, "command": "x", "interactiveMode": "Always"}},
            {},
            "needs a terminal",
        ),
    ],
)
def test_kubeconfig_targets_refused(
    double: EksApiDouble,
    tmp_path: Path,
    user: dict[str, Any],
    cluster: dict[str, Any],
    message: str,
) -> None:
    path = kubeconfig_file(tmp_path, double, user, cluster=cluster)
    with pytest.raises(InputError, match=message) as caught:
        client.kubeconfig_target(str(path), environ={})
    assert_one_line(caught.value)


# -- exec plugins ----------------------------------------------------------------------------

PLUGIN = """\
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "calls.jsonl"), "a") as f:
    info = os.environ.get("KUBERNETES_EXEC_INFO")
    call = {"argv": sys.argv[1:], "info": json.loads(info) if info else None,
            "var": os.environ.get("PLUGIN_VAR"), "tty": sys.stdin.isatty()}
    f.write(json.dumps(call) + "\\n")
with open(os.path.join(here, "answer.json")) as f:
    answer = json.load(f)
time.sleep(answer.get("sleep", 0))
sys.stderr.write(answer.get("stderr", ""))
sys.stdout.write(answer.get("stdout", ""))
sys.exit(answer.get("exit", 0))
"""


class Plugin:
    """A fake exec plugin (a Python script beside the kubeconfig): what it prints is set per
    test; every call's argv, KUBERNETES_EXEC_INFO and env are logged."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        path = directory / "plugin.py"
        path.write_text(f"#!{sys.executable}\n{PLUGIN}")
        path.chmod(0o755)

    def answer(self, **answer: Any) -> None:
        (self.directory / "answer.json").write_text(json.dumps(answer))

    def credential(
        self, token: str, expiration: datetime | None = None, api_version: str = V1
    ) -> None:
        status: dict[str, str] = {"token": token}
        if expiration is not None:
            status["expirationTimestamp"] = format_time(expiration)
        doc = {"apiVersion": api_version, "kind": "ExecCredential", "status": status}
        self.answer(stdout=json.dumps(doc))

    @property
    def calls(self) -> list[dict[str, Any]]:
        log = self.directory / "calls.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def plugin(tmp_path: Path) -> Plugin:
    return Plugin(tmp_path)


def exec_user(**extra: Any) -> dict[str, Any]:
    block = {
        "apiVersion": V1,
        "command": "./plugin.py",  # relative to the kubeconfig's directory
        "args": ["token", "--cluster", CLUSTER],
        "env": [{"name": "PLUGIN_VAR", "value": "from-kubeconfig"}],
        "interactiveMode": "Never",
        **extra,
    }
    return {"exec": block}


def exec_cms(tmp_path: Path, double: EksApiDouble, clock: Clock, **extra: Any) -> ConfigMaps:
    extension = [
        {"name": "client.authentication.k8s.io/exec", "extension": {"clusterName": CLUSTER}}
    ]
    path = kubeconfig_file(tmp_path, double, exec_user(**extra), cluster={"extensions": extension})
    target = client.kubeconfig_target(str(path), environ={"PLUGIN_VAR": "from-env", "OTHER": "1"})
    assert target.renew_on_401
    return ConfigMaps(client.connect(target, now=clock, environ=ENV))


def test_exec_plugin_runs_as_client_go_runs_it(
    double: EksApiDouble, clock: Clock, plugin: Plugin, tmp_path: Path
) -> None:
    plugin.credential(mint(at=START), START + timedelta(minutes=14))
    cms = exec_cms(tmp_path, double, clock, provideClusterInfo=True)
    cms.create(NS, "aws-auth", {})
    cms.get(NS, "aws-auth")
    [call] = plugin.calls
    assert call["argv"] == ["token", "--cluster", CLUSTER]
    assert call["var"] == "from-kubeconfig"  # the exec block's env over the process's
    assert call["tty"] is False
    assert call["info"] == {
        "apiVersion": V1,
        "kind": "ExecCredential",
        "spec": {
            "interactive": False,
            "cluster": {
                "server": double.url,
                "certificate-authority-data": double.ca_data,
                "config": {"clusterName": CLUSTER},
            },
        },
    }


def test_exec_plugin_without_cluster_info(
    double: EksApiDouble, clock: Clock, plugin: Plugin, tmp_path: Path
) -> None:
    plugin.credential(mint(at=START), api_version=V1BETA1)
    exec_cms(tmp_path, double, clock, apiVersion=V1BETA1).get(NS, "x")
    [call] = plugin.calls
    assert call["info"] == {
        "apiVersion": V1BETA1,
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }


def test_exec_plugin_runs_again_at_its_expiration(
    double: EksApiDouble, clock: Clock, plugin: Plugin, tmp_path: Path
) -> None:
    plugin.credential(mint(at=START), START + timedelta(minutes=14))
    cms = exec_cms(tmp_path, double, clock)
    cms.get(NS, "x")
    clock.advance(minutes=12)
    cms.get(NS, "x")
    assert len(plugin.calls) == 1
    clock.advance(minutes=4)
    plugin.credential(mint(at=clock()), clock() + timedelta(minutes=14))
    cms.get(NS, "x")
    assert len(plugin.calls) == 2
    assert all(r.status == 404 for r in double.requests)


def test_exec_plugin_without_expiration_runs_again_after_a_401(
    double: EksApiDouble, clock: Clock, plugin: Plugin, tmp_path: Path
) -> None:
    plugin.credential(mint(at=START))
    cms = exec_cms(tmp_path, double, clock)
    cms.get(NS, "x")
    clock.advance(minutes=16)  # the token expired; the plugin said nothing of when
    plugin.credential(mint(at=clock()))
    cms.get(NS, "x")
    assert len(plugin.calls) == 2
    assert [r.status for r in double.requests] == [404, 401, 404]


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (
            {"exit": 3, "stderr": "boom\nno credentials for AKIAIOSFODNN7EXAMPLE\n"},
            KubeError,
            "exited with status 3: no credentials for REDACTED",
        ),
        ({"exit": 1}, KubeError, "exited with status 1$"),
        ({"stdout": "not json"}, KubeError, "did not print an ExecCredential"),
        ({"stdout": "[]"}, KubeError, "did not print an ExecCredential"),
        (
            {"stdout": '{"kind": "ExecCredential", "apiVersion": "' + V1 + '"}'},
            KubeError,
            "did not print an ExecCredential",
        ),
        (
            {"stdout": '{"kind": "Other", "status": {}}'},
            KubeError,
            "did not print an ExecCredential",
        ),
        (
            {
                "stdout": '{"kind": "ExecCredential", "apiVersion": "'
                + V1BETA1
                + '", "status": {"token": "t"}}'
            },
            KubeError,
            "answered apiVersion 'client.authentication.k8s.io/v1beta1'",
        ),
        (
            {
                "stdout": '{"kind": "ExecCredential", "apiVersion": "'
                + V1
                + '", "status": {"clientCertificateData": "x"}}'
            },
            KubeError,
            "printed no token",
        ),
        (
            {
                "stdout": '{"kind": "ExecCredential", "apiVersion": "'
                + V1
                + '", "status": {"token": "t", "expirationTimestamp": "soon"}}'
            },
            KubeError,
            "not RFC 3339: 'soon'",
        ),
        (
            {
                "stdout": '{"kind": "ExecCredential", "apiVersion": "'
                + V1
                + '", "status": {"token": "t", "expirationTimestamp": "2025-06-01T12:00:00"}}'
            },
            KubeError,
            "not RFC 3339",
        ),
        (
            {
                "stdout": '{"kind": "ExecCredential", "apiVersion": "'
                + V1
                + '", "status": {"token": "t", "expirationTimestamp": 5}}'
            },
            KubeError,
            "not RFC 3339: '5'",
        ),
        ({"sleep": 10}, KubeError, "did not exit within 0.5 s; stopped it"),
    ],
)
def test_exec_plugin_failures(
    double: EksApiDouble,
    clock: Clock,
    plugin: Plugin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: dict[str, Any],
    error: type[Error],
    message: str,
) -> None:
    plugin.answer(**answer)
    path = kubeconfig_file(tmp_path, double, exec_user())
    target = client.kubeconfig_target(str(path), environ={"EKS_TF_AUTH_EXEC_PLUGIN_TIMEOUT": "0.5"})
    with pytest.raises(error, match=message) as caught:
        ConfigMaps(client.connect(target, now=clock, environ=ENV)).get(NS, "x")
    assert_one_line(caught.value, "the exec plugin '", " of user 'u' ")
    assert double.requests == []


def test_exec_plugin_that_cannot_run(double: EksApiDouble, tmp_path: Path) -> None:
    path = kubeconfig_file(
        tmp_path, double, exec_user(command="no-such-plugin", installHint="brew install it")
    )
    target = client.kubeconfig_target(str(path), environ={"PATH": str(tmp_path)})
    with pytest.raises(InputError, match="cannot run the exec plugin 'no-such-plugin'") as caught:
        ConfigMaps(client.connect(target, environ=ENV)).get(NS, "x")
    assert caught.value.hint == "brew install it"


# -- token files and in-cluster targets ------------------------------------------------------


@pytest.fixture
def service_account(tmp_path: Path, double: EksApiDouble) -> Path:
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    (directory / "token").write_text(mint(at=START) + "\n")
    (directory / "ca.crt").write_text(double.ca_pem)
    (directory / "namespace").write_text("kube-system\n")
    return directory


def in_cluster_env(double: EksApiDouble) -> dict[str, str]:
    port = double.url.rsplit(":", 1)[1]
    return {**ENV, "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port}


def test_in_cluster_target(double: EksApiDouble, clock: Clock, service_account: Path) -> None:
    env = in_cluster_env(double)
    target = client.in_cluster_target(environ=env, service_account_dir=str(service_account))
    assert (target.name, target.server, target.namespace) == ("in-cluster", double.url, NS)
    cms = ConfigMaps(client.connect(target, now=clock, environ=env))
    version = cms.create(NS, "aws-auth", {"mapRoles": ""})
    assert cms.get(NS, "aws-auth") == ({"mapRoles": ""}, version)


def test_in_cluster_token_file_is_read_again_every_minute(
    double: EksApiDouble, clock: Clock, service_account: Path
) -> None:
    env = in_cluster_env(double)
    target = client.in_cluster_target(environ=env, service_account_dir=str(service_account))
    cms = ConfigMaps(client.connect(target, now=clock, environ=env))
    cms.get(NS, "x")
    (service_account / "token").write_text(mint("another-cluster", at=START))  # rotated
    clock.advance(seconds=59)
    cms.get(NS, "x")  # the token read a minute ago still
    clock.advance(seconds=2)
    with pytest.raises(KubeError, match="in cluster 'in-cluster': 401 Unauthorized"):
        cms.get(NS, "x")  # read again; after the 401 read once more: the same
    assert [r.status for r in double.requests] == [404, 404, 401, 401]


def test_a_token_file_is_read_again_after_a_401(
    double: EksApiDouble, clock: Clock, service_account: Path
) -> None:
    env = in_cluster_env(double)
    target = client.in_cluster_target(environ=env, service_account_dir=str(service_account))
    cms = ConfigMaps(client.connect(target, now=clock, environ=env))
    double.answer(401, times=1)
    assert cms.get(NS, "x") is None
    assert [(r.status, r.reason) for r in double.requests] == [(401, "scripted 401"), (404, None)]


def test_in_cluster_defaults_and_ipv6(double: EksApiDouble, service_account: Path) -> None:
    (service_account / "namespace").unlink()
    env = {"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}
    target = client.in_cluster_target(environ=env, service_account_dir=str(service_account))
    assert (target.server, target.namespace) == ("https://[fd00::1]:443", "default")


@pytest.mark.parametrize(
    ("env", "remove", "message"),
    [
        ({}, None, "not in a pod"),
        ({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, None, "not in a pod"),
        (
            {"KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"},
            "token",
            "no service account token",
        ),
        (
            {"KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"},
            "ca.crt",
            "cannot read the CA file",
        ),
    ],
)
def test_in_cluster_refusals(
    service_account: Path, env: dict[str, str], remove: str | None, message: str
) -> None:
    if remove:
        (service_account / remove).unlink()
    with pytest.raises(InputError, match=message):
        client.in_cluster_target(environ=env, service_account_dir=str(service_account))


@pytest.mark.parametrize("content", [None, ""])
def test_an_unreadable_or_empty_token_file(
    double: EksApiDouble, service_account: Path, content: str | None
) -> None:
    env = in_cluster_env(double)
    target = client.in_cluster_target(environ=env, service_account_dir=str(service_account))
    if content is None:
        (service_account / "token").unlink()
    else:
        (service_account / "token").write_text(content)
    with pytest.raises(InputError, match=r"cannot read the token file|is empty"):
        ConfigMaps(client.connect(target, environ=env)).get(NS, "x")


# -- EKS targets -------------------------------------------------------------------------------


def test_eks_target_needs_a_cluster_name() -> None:
    with pytest.raises(InputError, match="needs the cluster's name"):
        client.eks_target(ClusterRequest(cluster_id="abcd-1234", region=REGION), ENV)


@pytest.mark.parametrize(
    ("endpoint", "ca", "error", "message"),
    [
        ("", "", AwsError, "has no API endpoint yet \\(status CREATING\\)"),
        (
            "https://x.example",
            "bm90IGEgY2VydA==",
            InputError,
            "the CA of cluster 'prod' holds no PEM",
        ),
    ],
)
def test_eks_target_checks_what_eks_describes(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, ca: str, error: type[Error], message: str
) -> None:
    def describe(*args: object, name: str, region: str, **kwargs: object) -> Cluster:
        return Cluster(name, region, "CREATING", endpoint, ca)

    monkeypatch.setattr("eks_tf_auth.aws.eks.describe_cluster", describe)
    with pytest.raises(error, match=message):
        client.kube_client(CLUSTER, region=REGION, environ=ENV)


def test_kube_client_reads_os_environ_by_default(
    double: EksApiDouble, described: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    kube = client.kube_client(CLUSTER)
    assert kube.config.cluster.server == double.url
    assert kube.namespace == "default"


def test_without_the_kube_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "eks_tf_auth.kube.client")
    monkeypatch.setitem(sys.modules, "lightkube", None)  # import lightkube -> ImportError
    with pytest.raises(InputError, match="needs the kube extra") as caught:
        importlib.import_module("eks_tf_auth.kube.client")
    assert caught.value.hint == "pip install 'eks-tf-auth[kube]'"


def test_the_exec_path_does_not_load_the_kube_client() -> None:
    code = (
        "import sys, eks_tf_auth.exec.answer, eks_tf_auth.identity;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('lightkube', 'httpx2', 'msgspec') or m == 'eks_tf_auth.kube.client'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"


# -- real tools: the console script, moto, kubectl ---------------------------------------------


@pytest.mark.real
def test_kubeconfig_exec_user_running_eks_tf_auth_exec(aws_env: AwsEnv, tmp_path: Path) -> None:
    real_tool("the eks-tf-auth console script")
    with EksApiDouble(cluster_id=CLUSTER, identities=IDENTITIES) as double:
        block = {
            "apiVersion": V1,
            "command": str(BIN_DIR / "eks-tf-auth"),
            "args": ["exec", "--cluster-name", CLUSTER],
            "interactiveMode": "Never",
            "provideClusterInfo": True,
        }
        extension = {"name": "client.authentication.k8s.io/exec", "extension": {"region": REGION}}
        path = kubeconfig_file(
            tmp_path, double, {"exec": block}, cluster={"extensions": [extension]}
        )
        env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"}  # from the extension
        target = client.kubeconfig_target(str(path), "eks", environ=env)
        cms = ConfigMaps(client.connect(target, environ=env))
        version = cms.create(NS, "aws-auth", {"mapRoles": ""})
        assert cms.get(NS, "aws-auth") == ({"mapRoles": ""}, version)
    assert {r.arn for r in double.requests} == {TEST_ARN}


@pytest.mark.real
def test_kube_client_by_name_against_moto(
    aws_env: AwsEnv, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto.eks.models import eks_backends

    from tests.support.aws import moto_sessions

    name = "kube-client"
    eks = boto3.client(
        "eks",
        region_name=REGION,
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
    monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    moto_host = moto_url.removeprefix("http://")

    def lookup(access_key_id: str) -> Identity | None:
        if access_key_id == TEST_ACCESS_KEY:
            return IDENTITIES[TEST_ACCESS_KEY]
        found = moto_sessions().get(access_key_id)
        return Identity(found.arn, found.secret_access_key) if found else None

    with EksApiDouble(cluster_id=name, identities=lookup, allowed_sts_hosts=[moto_host]) as double:
        for by_region in eks_backends.values():  # moto's endpoint and CA are not real
            for backend in by_region.values():
                if name in backend.clusters:
                    backend.clusters[name].endpoint = double.url
                    backend.clusters[name].certificate_authority = {"data": double.ca_data}
        ConfigMaps(client.kube_client(name, region=REGION)).create(NS, "aws-auth", {})
        role = "arn:aws:iam::123456789012:role/eks-admin"
        kube = client.kube_client(name, region=REGION, role_arn=role, session_name="kube")
        assert ConfigMaps(kube).get(NS, "aws-auth") is not None
    assert [r.arn for r in double.requests] == [
        TEST_ARN,
        "arn:aws:sts::123456789012:assumed-role/eks-admin/kube",
    ]


@pytest.mark.real
def test_kubectl_reads_back_what_the_client_stored(tmp_path: Path) -> None:
    kubectl = kubectl_binary("1.33")
    with EksApiDouble(cluster_id=CLUSTER, identities=IDENTITIES) as double:
        path = kubeconfig_file(tmp_path, double, {"token": mint()})
        cms = ConfigMaps(client.connect(client.kubeconfig_target(str(path)), environ=ENV))
        data = {"mapRoles": "- rolearn: arn:aws:iam::123456789012:role/node\n  groups: []\n"}
        version = cms.create(NS, "aws-auth", data)
        proc = subprocess.run(
            [kubectl, "--kubeconfig", str(path), "get", "cm", "aws-auth", "-n", NS, "-o", "yaml"],
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    read = yaml.safe_load(proc.stdout)
    assert read["data"] == data
    assert read["metadata"]["resourceVersion"] == version
    assert (read["kind"], read["metadata"]["namespace"]) == ("ConfigMap", NS)


def test_token_values_never_reach_the_double_records(
    double: EksApiDouble, described: list[str], clock: Clock
) -> None:
    connected(clock, as_user="u").create(NS, "aws-auth", {})
    assert "k8s-aws-v1" not in repr(double.requests)
    assert base64.b64encode(b"https://sts").decode()[:8] not in repr(double.requests)
