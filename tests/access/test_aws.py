"""aws.eks (access entries, policies, mode updates) and aws.iam (GetRole) against a botocore
Stubber; throttling through botocore's own retry mode (a `before-send` hook answers 429 once)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.compat import HTTPHeaders

from eks_tf_auth.aws import eks, iam
from eks_tf_auth.aws.session import MAX_ATTEMPTS
from eks_tf_auth.errors import AwsError
from tests.access.support import ADMIN, CLUSTER, CREATED, REGION, Stubs, eks_client, role


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    with Stubs().active() as found:
        yield found


def test_describe_reads_the_mode_and_versions(stubs: Stubs) -> None:
    stubs.describe("API")
    found = eks.describe(stubs.eks_client, CLUSTER, REGION)
    assert (found.authentication_mode, found.version, found.platform_version) == (
        "API",
        "1.29",
        "eks.8",
    )
    assert found.arn == f"arn:aws:eks:{REGION}:111122223333:cluster/prod"


def test_describe_without_access_config_reports_no_mode(stubs: Stubs) -> None:
    stubs.describe(None)
    assert eks.describe(stubs.eks_client, CLUSTER, REGION).authentication_mode is None


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda c: eks.describe(c, CLUSTER, REGION), "describe_cluster"),
        (lambda c: eks.list_access_entries(c, CLUSTER), "list_access_entries"),
    ],
)
def test_a_missing_cluster_is_named(stubs: Stubs, call: Any, method: str) -> None:
    stubs.eks_error(method, "ResourceNotFoundException", 404)
    with pytest.raises(AwsError, match=f"cluster 'prod' in {REGION} not found"):
        call(stubs.eks_client)


def test_list_clusters_pages(stubs: Stubs) -> None:
    stubs.eks.add_response("list_clusters", {"clusters": ["a", "b"], "nextToken": "t"}, {})
    stubs.eks.add_response("list_clusters", {"clusters": ["c"]}, {"nextToken": "t"})
    assert eks.list_clusters(stubs.eks_client, REGION) == ["a", "b", "c"]


def test_access_entries_list_describe_and_absent(stubs: Stubs) -> None:
    stubs.entries(role("a"), role("b"))
    stubs.entry(role("a"), "STANDARD", "a", ["g1"])
    stubs.no_entry(role("c"))
    assert eks.list_access_entries(stubs.eks_client, CLUSTER) == [role("a"), role("b")]
    assert eks.describe_access_entry(stubs.eks_client, CLUSTER, role("a")) == eks.AccessEntry(
        role("a"), "STANDARD", "a", ("g1",)
    )
    assert eks.describe_access_entry(stubs.eks_client, CLUSTER, role("c")) is None


def test_create_returns_the_entry_or_none_when_it_exists(stubs: Stubs) -> None:
    stubs.create(role("a"), "STANDARD", "a", ["g"])
    stubs.create(role("n"), "EC2_LINUX")
    stubs.eks_error("create_access_entry", "ResourceInUseException", 409)
    made = eks.create_access_entry(
        stubs.eks_client, CLUSTER, role("a"), type="STANDARD", username="a", kubernetes_groups=["g"]
    )
    assert made == eks.AccessEntry(role("a"), "STANDARD", "a", ("g",))
    node = eks.create_access_entry(
        stubs.eks_client, CLUSTER, role("n"), type="EC2_LINUX", username=None, kubernetes_groups=()
    )
    assert node is not None and node.type == "EC2_LINUX"
    again = eks.create_access_entry(
        stubs.eks_client, CLUSTER, role("a"), type="STANDARD", username=None, kubernetes_groups=()
    )
    assert again is None


@pytest.mark.parametrize(
    ("code", "status", "message", "hint"),
    [
        (
            "AccessDeniedException",
            403,
            "AccessDeniedException: AccessDeniedException says no",
            "eks:CreateAccessEntry",
        ),
        ("InvalidParameterException", 400, "InvalidParameterException says no", None),
        ("InvalidRequestException", 400, "InvalidRequestException says no", None),
    ],
)
def test_create_refusals_are_one_line(
    stubs: Stubs, code: str, status: int, message: str, hint: str | None
) -> None:
    stubs.eks_error("create_access_entry", code, status)
    with pytest.raises(AwsError) as caught:
        eks.create_access_entry(
            stubs.eks_client,
            CLUSTER,
            role("a"),
            type="STANDARD",
            username=None,
            kubernetes_groups=(),
        )
    assert caught.value.message.startswith(f"cannot create the access entry of {role('a')}")
    assert message in caught.value.message and "\n" not in caught.value.message
    assert (hint in (caught.value.hint or "")) if hint else caught.value.hint is None


def test_policies_list_associate_and_offer(stubs: Stubs) -> None:
    stubs.policies(role("a"), (ADMIN, "cluster", []), ("arn:p/View", "namespace", ["a", "b"]))
    stubs.associate(role("a"), ADMIN)
    stubs.associate(role("a"), "arn:p/View", "namespace", ["x"])
    stubs.offered(ADMIN)
    assert eks.list_associated_access_policies(stubs.eks_client, CLUSTER, role("a")) == [
        eks.AssociatedPolicy(ADMIN, "cluster"),
        eks.AssociatedPolicy("arn:p/View", "namespace", ("a", "b")),
    ]
    made = eks.associate_access_policy(
        stubs.eks_client, CLUSTER, role("a"), policy_arn=ADMIN, scope="cluster"
    )
    assert made == eks.AssociatedPolicy(ADMIN, "cluster")
    scoped = eks.associate_access_policy(
        stubs.eks_client,
        CLUSTER,
        role("a"),
        policy_arn="arn:p/View",
        scope="namespace",
        namespaces=["x"],
    )
    assert scoped.namespaces == ("x",)
    assert eks.list_access_policies(stubs.eks_client) == [
        eks.AccessPolicy("AmazonEKSClusterAdminPolicy", ADMIN)
    ]


def test_mode_update_and_its_progress(stubs: Stubs) -> None:
    stubs.eks.add_response(
        "update_cluster_config",
        {"update": {"id": "u1", "status": "InProgress", "type": "AccessConfigUpdate"}},
        {"name": CLUSTER, "accessConfig": {"authenticationMode": "API"}},
    )
    stubs.eks.add_response(
        "describe_update",
        {
            "update": {
                "id": "u1",
                "status": "Failed",
                "errors": [{"errorCode": "AccessDenied", "errorMessage": "no\nway"}, {}],
            }
        },
        {"name": CLUSTER, "updateId": "u1"},
    )
    assert eks.update_authentication_mode(stubs.eks_client, CLUSTER, "API") == eks.Update(
        "u1", "InProgress"
    )
    assert eks.describe_update(stubs.eks_client, CLUSTER, "u1") == eks.Update(
        "u1", "Failed", ("AccessDenied: no way", "Unknown: ")
    )


def test_mode_update_refused_while_another_runs(stubs: Stubs) -> None:
    stubs.eks_error("update_cluster_config", "ResourceInUseException", 409)
    stubs.eks_error("update_cluster_config", "InvalidParameterException", 400)
    with pytest.raises(AwsError, match="already being updated"):
        eks.update_authentication_mode(stubs.eks_client, CLUSTER, "API")
    with pytest.raises(AwsError, match="InvalidParameterException"):
        eks.update_authentication_mode(stubs.eks_client, CLUSTER, "API")


def test_an_update_without_an_id_is_an_error(stubs: Stubs) -> None:
    stubs.eks.add_response("update_cluster_config", {}, None)
    stubs.eks.add_response("describe_update", {"update": {"status": "InProgress"}}, None)
    with pytest.raises(AwsError, match="without the update"):
        eks.update_authentication_mode(stubs.eks_client, CLUSTER, "API")
    with pytest.raises(AwsError, match="without the update"):
        eks.describe_update(stubs.eks_client, CLUSTER, "u1")


def test_get_role_restores_the_path(stubs: Stubs) -> None:
    stubs.role("AWSReservedSSO_Admin_0123", "/aws-reserved/sso.amazonaws.com/eu-west-1/")
    stubs.no_role("gone")
    stubs.iam_error("secret", "AccessDenied")
    stubs.iam_error("other", "ServiceFailure")
    found = iam.get_role(stubs.iam_client, "AWSReservedSSO_Admin_0123")
    assert found == iam.Role(
        "AWSReservedSSO_Admin_0123",
        role("aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123"),
        "/aws-reserved/sso.amazonaws.com/eu-west-1/",
        "AROAEXAMPLEXXXXXXXXXX",
        CREATED,
    )
    assert iam.get_role(stubs.iam_client, "gone") is None
    with pytest.raises(AwsError, match="AccessDenied") as denied:
        iam.get_role(stubs.iam_client, "secret")
    assert "iam:GetRole" in (denied.value.hint or "")
    with pytest.raises(AwsError, match="cannot read IAM role 'other': ServiceFailure"):
        iam.get_role(stubs.iam_client, "other")


class _Raw(io.BytesIO):
    def stream(self, **kwargs: object) -> Iterator[bytes]:
        data = self.read()
        while data:
            yield data
            data = self.read()


def _answers(*bodies: tuple[int, bytes]) -> tuple[list[str], Any]:
    sent: list[str] = []

    def send(request: AWSRequest, **kwargs: object) -> AWSResponse:
        status, body = bodies[min(len(sent), len(bodies) - 1)]
        sent.append(str(request.url))
        headers = HTTPHeaders()
        if status == 429:
            headers["x-amzn-ErrorType"] = "ThrottlingException"
        return AWSResponse(str(request.url), status, headers, _Raw(body))

    return sent, send


THROTTLED = (429, b'{"message": "Rate exceeded"}')


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff between retries, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr("botocore.endpoint.time.sleep", waits.append)
    return waits


def test_throttling_is_retried_by_botocore(backoff: list[float]) -> None:
    client = eks_client()
    sent, send = _answers(THROTTLED, (200, b'{"accessEntries": ["arn:a"]}'))
    client.meta.events.register("before-send.eks.ListAccessEntries", send)
    assert eks.list_access_entries(client, CLUSTER) == ["arn:a"]
    assert len(sent) == 2
    assert len(backoff) == 1


def test_throttling_that_persists_is_one_line_after_the_bounded_attempts(
    backoff: list[float],
) -> None:
    client = eks_client()
    sent, send = _answers(THROTTLED)
    client.meta.events.register("before-send.eks.CreateAccessEntry", send)
    with pytest.raises(AwsError, match=r"ThrottlingException: Rate exceeded$"):
        eks.create_access_entry(
            client, CLUSTER, role("a"), type="STANDARD", username=None, kubernetes_groups=()
        )
    # `total_max_attempts` counts every try, the first included: MAX_ATTEMPTS (2) calls
    assert len(sent) == client.meta.config.retries["total_max_attempts"] == MAX_ATTEMPTS
