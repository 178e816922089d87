"""Gathering the facts (doctor/facts.py): each step once, in order, a failed step a `Failed` fact
and never an exception, the kubeconfig found or given, the exec block's request, the API side
through the EKS API double, IRSA's files. AWS answers come from botocore Stubbers."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.stub import ANY, Stubber

from eks_tf_auth.doctor import facts as facts_module
from eks_tf_auth.doctor.apiserver import Answer, Server
from eks_tf_auth.doctor.facts import (
    Clients,
    Failed,
    Inputs,
    ServiceAccount,
    decode_jwt,
    default_clients,
    exec_request,
    gather,
    got,
    principal_arn,
    read_web_identity,
)
from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.kube import kubeconfig
from tests.doctor.synthetic import CA, healthy, unresolved
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET
from tests.support.eks_double import EksApiDouble, Identity

REGION = "us-west-2"
CLUSTER = "prod"
USER = "arn:aws:iam::123456789012:user/alice"
NOW = datetime.now(timezone.utc)
REQUEST = ClusterRequest(cluster_name=CLUSTER, region=REGION)


def boto(service: str) -> Any:
    return botocore.session.get_session().create_client(
        service, region_name=REGION, aws_access_key_id="AKIAX", aws_secret_access_key="x"
    )


def stubbed(service: str, *answers: tuple[str, Any]) -> Any:
    """A client answering `answers` in order: (method, response) or (method, error code)."""
    client = boto(service)
    stubber = Stubber(client)
    for method, answer in answers:
        if isinstance(answer, str):
            stubber.add_client_error(method, answer, "stubbed", 400)
        else:
            stubber.add_response(method, answer, None)
    stubber.activate()
    return client


def caller(arn: str = USER) -> tuple[str, Any]:
    return ("get_caller_identity", {"Arn": arn, "Account": "123456789012", "UserId": "AIDA"})


def described(
    endpoint: str, ca: str = CA, *, issuer: str | None = None, mode: str = "CONFIG_MAP"
) -> tuple[str, Any]:
    cluster: dict[str, Any] = {
        "name": CLUSTER,
        "status": "ACTIVE",
        "endpoint": endpoint,
        "certificateAuthority": {"data": ca},
        "accessConfig": {"authenticationMode": mode},
    }
    if issuer:
        cluster["identity"] = {"oidc": {"issuer": issuer}}
    return ("describe_cluster", {"cluster": cluster})


def clients(sts: list[Any] = (), eks: list[Any] = (), iam: list[Any] = ()) -> Clients:  # type: ignore[assignment]
    made = {
        "sts": stubbed("sts", *sts),
        "eks": stubbed("eks", *eks),
        "iam": stubbed("iam", *iam),
        "logs": stubbed("logs"),
    }
    return Clients(
        sts=lambda r, c: made["sts"],
        eks=lambda r, c: made["eks"],
        iam=lambda r, c: made["iam"],
        logs=lambda r, c: made["logs"],
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": TEST_SECRET,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "KUBECONFIG": str(tmp_path / "kubeconfig"),
    }


@pytest.fixture
def double() -> Iterator[EksApiDouble]:
    identities = {TEST_ACCESS_KEY: Identity(USER, TEST_SECRET)}
    with EksApiDouble(cluster_id=CLUSTER, identities=identities) as running:
        yield running


def write_kubeconfig(
    path: Path, contexts: list[dict[str, Any]], current: str | None = None
) -> None:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [],
        "contexts": [],
        "users": [],
    }
    for c in contexts:
        name = c["name"]
        doc["clusters"].append(
            {"name": name, "cluster": {"server": c.get("server", "https://x.example")}}
        )
        doc["contexts"].append({"name": name, "context": {"cluster": name, "user": name}})
        doc["users"].append(
            {
                "name": name,
                "user": {
                    "exec": c.get(
                        "exec",
                        {
                            "apiVersion": "client.authentication.k8s.io/v1",
                            "command": "nothing-here",
                        },
                    )
                },
            }
        )
    if current:
        doc["current-context"] = current
    path.write_text(yaml.safe_dump(doc))


# -- the clients ------------------------------------------------------------------------------


def test_default_clients_are_botocores(env: dict[str, str]) -> None:
    from eks_tf_auth import identity

    made = default_clients(env)
    resolved = identity.resolve(REQUEST, env)
    creds = identity.credentials(resolved, env)
    for name, service in (("sts", "sts"), ("eks", "eks"), ("iam", "iam"), ("logs", "logs")):
        client = getattr(made, name)(resolved, creds)
        assert client.meta.service_model.service_name == service
    assert made.sts(resolved, creds).meta.endpoint_url == "https://sts.us-west-2.amazonaws.com"


# -- gathering, step by step --------------------------------------------------------------------


def test_a_user_is_no_role_and_a_cluster_not_found_stops_the_cluster_side(
    env: dict[str, str],
) -> None:
    made = clients(sts=[caller()], eks=[("describe_cluster", "ResourceNotFoundException")])
    found = gather(Inputs(request=REQUEST), env, clients=made)
    assert got(found.caller) is not None and found.role is None
    assert isinstance(found.cluster, Failed) and "not found" in found.cluster.message
    assert found.access_entry is None and found.whoami is None and found.kubeconfig is None


def test_no_region_stops_the_aws_side(env: dict[str, str]) -> None:
    del env["AWS_REGION"]
    found = gather(Inputs(request=ClusterRequest(cluster_name=CLUSTER)), env, clients=clients())
    assert isinstance(found.resolved, Failed) and "no region" in found.resolved.message
    assert found.credentials is None


def test_no_credentials_stops_the_aws_side_but_not_irsa(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    for name in list(__import__("os").environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "token").write_text("not.a.jwt")
    env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(tmp_path / "token")
    env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/app"
    monkeypatch.delenv("AWS_WEB_IDENTITY_TOKEN_FILE", raising=False)
    found = gather(Inputs(request=REQUEST), env, clients=clients())
    assert isinstance(found.credentials, Failed), found.credentials
    assert found.caller is None and found.irsa_role is None
    assert found.irsa_role_arn == "arn:aws:iam::123456789012:role/app"
    web = got(found.web_identity)
    assert web is not None and web.claims is None


def test_irsa_roles_that_do_not_exist_and_clusters_without_an_issuer(
    env: dict[str, str], double: EksApiDouble, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("a.b.c")
    env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(token)
    env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/gone"
    made = clients(
        sts=[caller()],
        eks=[described(double.url, double.ca_data)],
        iam=[("get_role", "NoSuchEntity")],
    )
    found = gather(Inputs(request=REQUEST), env, clients=made)
    assert (
        isinstance(found.irsa_role, Failed) and "IAM has no role 'gone'" in found.irsa_role.message
    )
    assert found.oidc_provider is None and not found.oidc_checked
    assert got(found.whoami) is not None


def test_the_callers_role_gone(env: dict[str, str]) -> None:
    assumed = "arn:aws:sts::123456789012:assumed-role/deleted/s"
    made = clients(
        sts=[caller(assumed)],
        eks=[("describe_cluster", "AccessDeniedException")],
        iam=[("get_role", "NoSuchEntity")],
    )
    found = gather(Inputs(request=REQUEST), env, clients=made)
    assert isinstance(found.role, Failed) and "IAM has no role 'deleted'" in found.role.message
    assert isinstance(found.cluster, Failed) and found.cluster.code == "AccessDeniedException"


def test_an_aws_auth_file_that_is_missing_is_bad_input(env: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope"):
        gather(
            Inputs(request=REQUEST, aws_auth_file=str(tmp_path / "nope")), env, clients=clients()
        )


def test_a_kubeconfig_whose_exec_block_names_no_cluster(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "kubeconfig"
    block = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "eks-tf-auth",
        "args": ["exec"],
    }
    write_kubeconfig(path, [{"name": "c", "exec": block}], current="c")
    found = gather(Inputs(kubeconfig=str(path)), env, clients=clients())
    assert isinstance(found.request, Failed) and "no cluster given" in found.request.message
    assert found.resolved is None and isinstance(found.plugin, Failed)
    assert found.whoami is None  # no token from the plugin: no API server to ask
    kube = got(found.kubeconfig)
    assert kube is not None and kube.given and kube.command_path is None


def test_the_current_context_of_the_default_kubeconfig(env: dict[str, str], tmp_path: Path) -> None:
    write_kubeconfig(tmp_path / "kubeconfig", [{"name": "c"}], current="c")
    found = gather(Inputs(), env, clients=clients())
    kube = got(found.kubeconfig)
    assert kube is not None and kube.context.name == "c" and found.request is None


def test_a_kubeconfig_found_for_the_cluster(
    env: dict[str, str], tmp_path: Path, double: EksApiDouble
) -> None:
    path = tmp_path / "kubeconfig"
    exec_prod = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "command": "aws",
        "args": ["eks", "get-token", "--cluster-name", "prod"],
    }
    contexts: list[dict[str, Any]] = [
        {"name": "other"},
        {"name": "by-server", "server": double.url},
        {"name": "by-name", "exec": exec_prod},
    ]
    write_kubeconfig(path, contexts, current="other")
    doc = yaml.safe_load(path.read_text())
    # Before the matching ones: a name that is not a string, a context that names no cluster.
    doc["contexts"][1:1] = [
        {"name": 7, "context": {}},
        {"name": "bad", "context": {"cluster": "x"}},
    ]
    path.write_text(yaml.safe_dump(doc))
    made = clients(sts=[caller()], eks=[described(double.url, double.ca_data)])
    found = gather(Inputs(request=REQUEST), env, clients=made)
    kube = got(found.kubeconfig)
    assert kube is not None and kube.context.name == "by-server" and not kube.given
    made = clients(sts=[caller()], eks=[("describe_cluster", "AccessDeniedException")])
    kube = got(gather(Inputs(request=REQUEST), env, clients=made).kubeconfig)
    assert kube is not None and kube.context.name == "by-name"
    write_kubeconfig(path, [{"name": "other"}])
    made = clients(sts=[caller()], eks=[("describe_cluster", "AccessDeniedException")])
    assert gather(Inputs(request=REQUEST), env, clients=made).kubeconfig is None
    path.write_text("a: [unclosed\n")
    made = clients(sts=[caller()], eks=[("describe_cluster", "AccessDeniedException")])
    broken = gather(Inputs(request=REQUEST), env, clients=made).kubeconfig
    assert isinstance(broken, Failed) and "not valid YAML" in broken.message


# -- the exec block's request -------------------------------------------------------------------


def context(exec_block: dict[str, Any] | None, **cluster: Any) -> kubeconfig.Context:
    user = (
        {"exec": {"apiVersion": "client.authentication.k8s.io/v1", **exec_block}}
        if exec_block
        else {"token": "t"}
    )
    doc = {
        "current-context": "c",
        "clusters": [
            {
                "name": "k",
                "cluster": {"server": "https://ABC.gr7.eu-west-1.eks.amazonaws.com", **cluster},
            }
        ],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        "users": [{"name": "u", "user": user}],
    }
    return kubeconfig.select(doc)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (None, None),
        ({"command": "kubelogin", "args": ["get-token"]}, None),
        ({"command": "aws", "args": ["sts", "get-caller-identity"]}, None),
        ({"command": "eks-tf-auth", "args": ["lint"]}, None),
        (
            {
                "command": "/usr/local/bin/aws",
                "args": [
                    "--region",
                    "eu-west-1",
                    "eks",
                    "get-token",
                    "--cluster-name",
                    "prod",
                    "--role-arn",
                    "arn:aws:iam::123456789012:role/ci",
                ],
            },
            ClusterRequest(
                cluster_name="prod",
                region="eu-west-1",
                role_arn="arn:aws:iam::123456789012:role/ci",
            ),
        ),
        (
            {"command": "aws-iam-authenticator", "args": ["token", "-i", "prod"]},
            ClusterRequest(cluster_id="prod"),
        ),
        (
            {
                "command": "eks-tf-auth",
                "args": ["exec", "--no-cache", "--cluster-name=prod", "x", "--profile"],
            },
            ClusterRequest(cluster_name="prod"),
        ),
        (
            {"command": "eks-tf-auth", "args": ["exec"], "provideClusterInfo": True},
            "no cluster given",
        ),
    ],
)
def test_exec_requests(block: dict[str, Any] | None, expected: Any) -> None:
    ctx = context(block)
    if isinstance(expected, str):
        with pytest.raises(InputError, match=expected):
            exec_request(ctx, {})
        return
    assert exec_request(ctx, {}) == expected


def test_an_exec_request_completed_by_the_cluster_extension() -> None:
    extension = [
        {"name": "client.authentication.k8s.io/exec", "extension": {"clusterName": "prod"}}
    ]
    ctx = context(
        {"command": "eks-tf-auth", "args": ["exec"], "provideClusterInfo": True},
        extensions=extension,
    )
    assert exec_request(ctx, {}) == ClusterRequest(cluster_name="prod", region="eu-west-1")


# -- the API side -------------------------------------------------------------------------------


def server(double: EksApiDouble, token: str = "k8s-aws-v1.x") -> Server:
    return Server(double.url, double.ca_pem, token)


def test_answers_that_are_not_reviews() -> None:
    assert facts_module._review(Failed("down")) == Failed("down")
    refused = facts_module._review(Answer(401, {"message": "Unauthorized"}))
    assert refused == Failed(
        "the API server refused the SelfSubjectReview: 401 Unauthorized", None, "401"
    )
    assert facts_module._review(Answer(201, {"status": {}})) == Failed(
        "the SelfSubjectReview's answer names no user"
    )
    review = facts_module._review(
        Answer(201, {"status": {"userInfo": {"username": "u", "extra": "x"}}})
    )
    assert got(review) is not None and review.extra == {} and review.groups == ()  # type: ignore[union-attr]


def test_service_accounts(double: EksApiDouble) -> None:
    from eks_tf_auth import identity

    resolved = identity.resolve(REQUEST, {"AWS_CONFIG_FILE": "/nonexistent"})
    creds = identity.credentials(
        resolved, {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET}
    )
    token = identity.mint_token(resolved, creds).value
    path = "/api/v1/namespaces/apps/serviceaccounts/app"
    assert facts_module._service_account(server(double, token), "apps", "app") == ServiceAccount(
        "apps", "app", None
    )
    double.answer(403, path=path, times=1)
    refused = facts_module._service_account(server(double, token), "apps", "app")
    assert isinstance(refused, Failed) and refused.code == "403"
    double.answer(200, path=path, times=1, body={"metadata": {"name": "app"}})
    assert facts_module._service_account(server(double, token), "apps", "app") == ServiceAccount(
        "apps", "app", {}
    )
    gone = Server("https://127.0.0.1:1", None, token, 0.5, 0.5)
    assert isinstance(facts_module._service_account(gone, "apps", "app"), Failed)


def test_the_server_to_ask() -> None:
    from tests.doctor.test_checks import kube

    given = kube(given=True)
    assert facts_module._server(healthy(kubeconfig=given, plugin=Failed("x")), {}) is None
    assert facts_module._server(healthy(cluster=None), {}) is None
    found = facts_module._server(healthy(), {"EKS_TF_AUTH_KUBE_READ_TIMEOUT": "7"})
    assert found is not None and found.read_timeout == 7.0 and found.ca_pem is not None


def test_kubeconfig_cas(tmp_path: Path) -> None:
    pem = base64.b64decode(CA).decode()
    (tmp_path / "ca.pem").write_text(pem)
    assert (
        facts_module._kube_ca(context(None, **{"certificate-authority": str(tmp_path / "ca.pem")}))
        == pem
    )
    assert (
        facts_module._kube_ca(context(None, **{"certificate-authority": str(tmp_path / "no")}))
        is None
    )
    assert facts_module._kube_ca(context(None)) is None
    assert facts_module._pem("%%%") is None


def test_cluster_labels_and_principals() -> None:
    from tests.doctor.test_checks import kube

    assert facts_module._cluster_label(unresolved(kubeconfig=kube())) == "c"
    assert facts_module._cluster_label(unresolved()) == "the cluster"
    assert principal_arn(unresolved()) is None
    odd = "arn:aws:sts::123456789012:something/else"
    from eks_tf_auth.aws.sts import Caller

    assert principal_arn(unresolved(caller=Caller(odd, "1", "x", None))) == odd


# -- IRSA's files -------------------------------------------------------------------------------


def jwt(claims: Any) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"e30.{body}.sig"


def test_web_identity_tokens(tmp_path: Path) -> None:
    assert read_web_identity(str(tmp_path / "none")).problem is not None
    exp = int((NOW + timedelta(hours=1)).timestamp())
    claims = decode_jwt(jwt({"iss": "i", "aud": ["a", "b"], "sub": "s", "exp": exp}))
    assert claims is not None and claims.audiences == ("a", "b") and claims.expires is not None
    claims = decode_jwt(jwt({"iss": 1, "aud": "a", "exp": "soon"}))
    assert claims is not None and claims.issuer is None and claims.audiences == ("a",)
    assert claims.expires is None and claims.subject is None
    assert decode_jwt("a.b") is None
    assert decode_jwt("a.!!!.c") is None
    assert decode_jwt(jwt([1, 2])) is None


def test_clients_are_asked_once_per_question() -> None:
    calls: list[str] = []

    class Client:
        exceptions = "the client's own"

        def describe_cluster(self, **kwargs: Any) -> Any:
            calls.append(kwargs["name"])
            if kwargs["name"] == "bad":
                raise ValueError("no")
            return {"cluster": kwargs["name"]}

    once = facts_module._Once(Client())
    assert once.describe_cluster(name="a") is once.describe_cluster(name="a")
    for _ in range(2):
        with pytest.raises(ValueError, match="no"):
            once.describe_cluster(name="bad")
    assert calls == ["a", "bad"] and once.exceptions == "the client's own"


def test_no_stub_left_unanswered() -> None:
    assert ANY is not None  # the stubs above take any parameters
