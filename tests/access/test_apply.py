"""apply against a Stubber: it creates and associates what is missing, is a no-op the second
time (reads only), never changes what exists, and refuses a CONFIG_MAP cluster before anything
is created."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from eks_tf_auth.access.apply import Action, apply
from eks_tf_auth.access.model import ClusterFacts, Mode, Plan
from eks_tf_auth.access.translate import translate
from eks_tf_auth.errors import Error, InputError
from tests.access.support import (
    ADMIN,
    CLUSTER,
    CLUSTER_ARN,
    REGION,
    VIEW,
    Stubs,
    item,
    role,
    user,
)

EC2 = "system:node:{{EC2PrivateDNSName}}"
DATA = {
    "mapRoles": item(role("admin"), "admin", "system:masters")
    + item(role("ng"), EC2, "system:bootstrappers", "system:nodes"),
    "mapUsers": item(user("alice"), "alice", "view", key="userarn"),
    "mapAccounts": "- '444455556666'\n",
}
FACTS = ClusterFacts(
    CLUSTER, REGION, CLUSTER_ARN, "1.29", "eks.8", Mode.API_AND_CONFIG_MAP, described=True
)


def plan(data: dict[str, str] = DATA) -> Plan:
    return translate(data, source="test", cluster=FACTS)


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    with Stubs().active() as found:
        yield found


def actions(result: object) -> list[tuple[str, str]]:
    return [(o.action.value, o.principal_arn.rsplit("/", 1)[-1]) for o in result.outcomes]  # type: ignore[attr-defined]


def test_apply_twice_is_a_no_op_the_second_time(stubs: Stubs) -> None:
    stubs.describe().offered(ADMIN, VIEW).entries()
    stubs.create(role("admin"), "STANDARD", "admin").associate(role("admin"), ADMIN)
    stubs.create(role("ng"), "EC2_LINUX")
    stubs.create(user("alice"), "STANDARD", "alice", ["view"])
    first = apply(plan(), stubs.clients)
    assert actions(first) == [
        ("created", "admin"),
        ("associated", "admin"),
        ("created", "ng"),
        ("created", "alice"),
    ]
    assert first.ok and [u.code for u in first.not_migrated] == ["map-accounts"]
    stubs.eks.assert_no_pending_responses()

    # The second run reads the entries it made and makes no call that changes anything.
    stubs.describe().offered(ADMIN).entries(role("admin"), role("ng"), user("alice"))
    stubs.entry(role("admin"), "STANDARD", "admin").policies(role("admin"), (ADMIN, "cluster", []))
    stubs.entry(role("ng"), "EC2_LINUX", EC2, ["system:nodes"]).policies(role("ng"))
    stubs.entry(user("alice"), "STANDARD", "alice", ["view"]).policies(user("alice"))
    second = apply(plan(), stubs.clients)
    assert actions(second) == [
        ("existed", "admin"),
        ("policy existed", "admin"),
        ("existed", "ng"),
        ("existed", "alice"),
    ]
    assert second.ok


@pytest.mark.parametrize("mode", ["CONFIG_MAP", None])
def test_a_cluster_without_access_entries_is_refused_before_anything(
    stubs: Stubs, mode: str | None
) -> None:
    stubs.describe(mode)
    with pytest.raises(Error, match=r"in CONFIG_MAP mode, which has no access entries; nothing"):
        apply(plan(), stubs.clients)


def test_a_plan_made_offline_is_refused() -> None:
    offline = translate(DATA, source="f", cluster=ClusterFacts(CLUSTER))
    with pytest.raises(InputError, match="without describing a cluster; nothing created"):
        apply(offline, Stubs().clients)
    with pytest.raises(InputError):
        apply(dataclasses.replace(offline, cluster=None), Stubs().clients)


def test_a_policy_eks_does_not_offer_is_refused_before_anything(stubs: Stubs) -> None:
    stubs.describe().offered(VIEW)
    with pytest.raises(InputError, match=f"EKS has no access policy {ADMIN}; nothing created"):
        apply(plan(), stubs.clients)


def test_an_entry_that_differs_is_reported_and_left_alone(stubs: Stubs) -> None:
    stubs.describe().offered(ADMIN).entries(role("ADMIN"))
    stubs.entry(role("ADMIN"), "STANDARD", "someone-else")
    result = apply(
        plan({"mapRoles": item(role("admin"), "admin", "system:masters")}), stubs.clients
    )
    [outcome] = result.outcomes
    assert outcome.action is Action.CONFLICT and "its username is 'someone-else'" in outcome.detail
    assert not result.ok


def test_an_association_with_another_scope_is_reported_and_left_alone(stubs: Stubs) -> None:
    stubs.describe().offered(ADMIN).entries(role("admin"))
    stubs.entry(role("admin"), "STANDARD", "admin")
    stubs.policies(role("admin"), (ADMIN, "namespace", ["apps"]))
    result = apply(
        plan({"mapRoles": item(role("admin"), "admin", "system:masters")}), stubs.clients
    )
    assert actions(result) == [("existed", "admin"), ("policy conflict", "admin")]
    assert "namespaces apps" in result.outcomes[1].detail and not result.ok


def test_an_entry_made_meanwhile_is_compared_then_completed(stubs: Stubs) -> None:
    stubs.describe().offered(ADMIN).entries()
    stubs.eks_error("create_access_entry", "ResourceInUseException", 409)
    stubs.entry(role("admin"), "STANDARD", "admin").policies(role("admin"))
    stubs.associate(role("admin"), ADMIN)
    result = apply(
        plan({"mapRoles": item(role("admin"), "admin", "system:masters")}), stubs.clients
    )
    assert actions(result) == [("existed", "admin"), ("associated", "admin")]


def test_a_failure_ends_its_entry_and_the_next_goes_on(stubs: Stubs) -> None:
    stubs.describe().offered(ADMIN).entries()
    stubs.eks_error("create_access_entry", "ResourceInUseException", 409)
    stubs.no_entry(role("admin"))
    stubs.eks_error("create_access_entry", "AccessDeniedException", 403)
    stubs.create(user("alice"), "STANDARD", "alice", ["view"])
    result = apply(plan(), stubs.clients)
    assert actions(result) == [("failed", "admin"), ("failed", "ng"), ("created", "alice")]
    assert "exists, and then that it does not" in result.outcomes[0].detail
    assert "AccessDeniedException" in result.outcomes[1].detail
    assert not result.ok and result.count(Action.FAILED) == 2


def test_dry_run_changes_nothing(stubs: Stubs) -> None:
    stubs.describe().offered(ADMIN).entries(role("ng"))
    stubs.entry(role("ng"), "EC2_LINUX").policies(role("ng"))
    data = {
        "mapRoles": item(role("admin"), "admin", "system:masters")
        + item(role("ng"), EC2, "system:nodes")
    }
    result = apply(plan(data), stubs.clients, dry_run=True)
    assert actions(result) == [
        ("would create", "admin"),
        ("would associate", "admin"),
        ("existed", "ng"),
    ]
    assert result.dry_run and result.ok


def test_dry_run_on_an_existing_entry_would_associate(stubs: Stubs) -> None:
    stubs.describe().offered(ADMIN).entries(role("admin"))
    stubs.entry(role("admin"), "STANDARD", "admin").policies(role("admin"))
    data = {"mapRoles": item(role("admin"), "admin", "system:masters")}
    result = apply(plan(data), stubs.clients, dry_run=True)
    assert actions(result) == [("existed", "admin"), ("would associate", "admin")]
