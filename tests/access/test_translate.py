"""The translation table: each aws-auth mapping EKS honours -> its access entry, or why it cannot
have one; what EKS does not use today -> skipped; and the comparison with existing entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from eks_tf_auth.access.model import (
    ClusterFacts,
    EntryPlan,
    EntryType,
    Existing,
    Mode,
    Plan,
    Scope,
    Status,
    Unmigrated,
)
from eks_tf_auth.access.translate import (
    RoleLookup,
    reconcile,
    roles_to_look_up,
    translate,
)
from tests.access.support import ACCOUNT, ADMIN, CLUSTER_ARN, VIEW, item, map_roles, role, user

FACTS = ClusterFacts(
    "prod", "us-west-2", CLUSTER_ARN, "1.29", "eks.8", Mode.API_AND_CONFIG_MAP, described=True
)
EC2 = "system:node:{{EC2PrivateDNSName}}"
SESSION = "system:node:{{SessionName}}"
NODE_GROUPS = ("system:bootstrappers", "system:nodes")
OTHER = "222233334444"


def plan_of(
    data: dict[str, str],
    roles: dict[str, RoleLookup] | None = None,
    cluster: ClusterFacts | None = FACTS,
) -> Plan:
    return translate(data, source="test", cluster=cluster, roles=roles)


@dataclass(frozen=True)
class Entry:
    """What a row expects of the one access entry."""

    type: EntryType
    username: str | None = None
    groups: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    principal: str | None = None  # when not the ARN as written


@dataclass(frozen=True)
class Blocked:
    code: str


@dataclass(frozen=True)
class Skipped:
    code: str


S = EntryType.STANDARD
ROWS: dict[str, tuple[dict[str, str], Entry | Blocked | Skipped]] = {
    "masters-admin-policy": (
        map_roles(item(role("admin"), "admin", "system:masters")),
        Entry(S, "admin", (), (ADMIN,)),
    ),
    "masters-keeps-custom-groups": (
        map_roles(item(role("admin"), "admin", "system:masters", "ops")),
        Entry(S, "admin", ("ops",), (ADMIN,)),
    ),
    "custom-groups": (
        map_roles(item(role("ci"), "ci", "deployers", "viewers", "deployers")),
        Entry(S, "ci", ("deployers", "viewers")),
    ),
    "session-name-after-colon": (
        map_roles(item(role("ci"), "ci:{{SessionName}}", "deployers")),
        Entry(S, "ci:{{SessionName}}", ("deployers",)),
    ),
    "session-name-raw-after-colon": (
        map_roles(item(role("ci"), "a:b{{SessionNameRaw}}")),
        Entry(S, "a:b{{SessionNameRaw}}"),
    ),
    "no-username": (map_roles(item(role("ci"), None, "ops")), Entry(S, None, ("ops",))),
    "empty-group-dropped": (map_roles(item(role("ci"), "ci", "", "ops")), Entry(S, "ci", ("ops",))),
    "ec2-linux": (map_roles(item(role("ng"), EC2, *NODE_GROUPS)), Entry(EntryType.EC2_LINUX)),
    "ec2-linux-nodes-only": (
        map_roles(item(role("ng"), EC2, "system:nodes")),
        Entry(EntryType.EC2_LINUX),
    ),
    "ec2-windows": (
        map_roles(item(role("win"), EC2, "eks:kube-proxy-windows", *NODE_GROUPS)),
        Entry(EntryType.EC2_WINDOWS),
    ),
    "fargate": (
        map_roles(item(role("fp"), SESSION, *NODE_GROUPS, "system:node-proxier")),
        Entry(EntryType.FARGATE_LINUX),
    ),
    "hybrid": (map_roles(item(role("hy"), SESSION, *NODE_GROUPS)), Entry(EntryType.HYBRID_LINUX)),
    "node-with-custom-group": (
        map_roles(item(role("ng"), EC2, *NODE_GROUPS, "ops")),
        Blocked("node-mapping"),
    ),
    "node-groups-other-username": (
        map_roles(item(role("ng"), "node", *NODE_GROUPS)),
        Blocked("node-mapping"),
    ),
    "node-username-without-nodes": (
        map_roles(item(role("ng"), EC2, "system:bootstrappers")),
        Blocked("node-mapping"),
    ),
    "node-user": (
        {"mapUsers": item(user("n"), EC2, *NODE_GROUPS, key="userarn")},
        Blocked("node-not-a-role"),
    ),
    "node-other-account": (
        map_roles(item(role("ng", OTHER), EC2, *NODE_GROUPS)),
        Blocked("node-other-account"),
    ),
    "other-account-standard": (
        map_roles(item(role("ci", OTHER), "ci", "ops")),
        Entry(S, "ci", ("ops",)),
    ),
    "system-group": (
        map_roles(item(role("x"), "x", "system:authenticated")),
        Blocked("system-group"),
    ),
    "masters-and-system-group": (
        map_roles(item(role("x"), "x", "system:masters", "system:monitoring")),
        Blocked("system-group"),
    ),
    "reserved-eks": (map_roles(item(role("x"), "eks:x", "ops")), Blocked("reserved-username")),
    "reserved-aws": (map_roles(item(role("x"), "aws:x")), Blocked("reserved-username")),
    "reserved-system": (map_roles(item(role("x"), "system:admin")), Blocked("reserved-username")),
    "session-name-without-colon": (
        map_roles(item(role("x"), "x{{SessionName}}")),
        Blocked("session-name-without-colon"),
    ),
    "account-placeholder": (
        map_roles(item(role("x"), "x:{{AccountID}}")),
        Blocked("username-placeholder"),
    ),
    "service-linked-by-name": (
        map_roles(item(role("AWSServiceRoleForAmazonEKSNodegroup"), "x")),
        Blocked("service-linked-role"),
    ),
    "sso-matcher": (
        {
            "mapRoles": "- sso:\n    permissionSetName: Admin\n"
            "    accountID: '111122223333'\n  username: a\n"
        },
        Blocked("sso-matcher"),
    ),
    "federated-user": (
        {"mapUsers": item(f"arn:aws:sts::{ACCOUNT}:federated-user/bob", "bob", key="userarn")},
        Blocked("sts-session"),
    ),
    "root-user": (
        {"mapUsers": item(f"arn:aws:iam::{ACCOUNT}:root", "root-admin", "ops", key="userarn")},
        Entry(S, "root-admin", ("ops",)),
    ),
    "role-under-mapusers": (
        {"mapUsers": item(role("ci"), "ci", "ops", key="userarn")},
        Entry(S, "ci", ("ops",)),
    ),
    "user": (
        {"mapUsers": item(user("alice"), "alice", "view", key="userarn")},
        Entry(S, "alice", ("view",)),
    ),
    "role-with-path-never-matches": (
        map_roles(item(role("team/ci"), "ci")),
        Skipped("role-arn-path"),
    ),
    "sso-with-path-never-matches": (
        map_roles(item(role("aws-reserved/sso.amazonaws.com/AWSReservedSSO_A_1"), "a")),
        Skipped("sso-path"),
    ),
    "assumed-role-never-matches": (
        map_roles(item(f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/s", "ci")),
        Skipped("assumed-role-arn"),
    ),
    "invalid-arn": (map_roles(item("arn:aws:s3:::bucket", "x")), Skipped("invalid-arn")),
    "user-invalid-arn": (
        {"mapUsers": item("arn:aws:iam::111122223333:group/g", "g", key="userarn")},
        Skipped("invalid-arn"),
    ),
    "short-account": (map_roles(item("arn:aws:iam::123:role/x", "x")), Skipped("invalid-arn")),
    "entry-without-arn": (map_roles("- username: x\n"), Skipped("ignored")),
    "invalid-yaml": ({"mapRoles": "- rolearn: [\n"}, Skipped("invalid-yaml")),
    "data-key-case": ({"maproles": item(role("x"), "x")}, Skipped("data-key-case")),
    "invalid-account": ({"mapAccounts": "- nope\n"}, Skipped("invalid-account")),
    "map-accounts": ({"mapAccounts": f"- '{ACCOUNT}'\n"}, Blocked("map-accounts")),
}


def only(plan: Plan) -> EntryPlan | Unmigrated:
    found: list[EntryPlan | Unmigrated] = [*plan.entries, *plan.blocked, *plan.skipped]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("name", list(ROWS))
def test_translation_table(name: str) -> None:
    data, expected = ROWS[name]
    plan = plan_of(data)
    got = only(plan)
    if isinstance(expected, Entry):
        assert isinstance(got, EntryPlan), got
        assert (got.type, got.username, got.groups) == (
            expected.type,
            expected.username,
            expected.groups,
        )
        assert tuple(p.arn for p in got.policies) == expected.policies
        assert got.status is Status.CREATE
        assert plan.entries == (got,)
    elif isinstance(expected, Blocked):
        assert isinstance(got, Unmigrated) and got in plan.blocked, got
        assert got.code == expected.code
        assert got.origin.line >= 1 and got.reason
    else:
        assert isinstance(got, Unmigrated) and got in plan.skipped, got
        assert got.code == expected.code


def test_duplicate_arns_last_wins_and_the_shadowed_one_is_reported() -> None:
    data = map_roles(
        item(role("ci"), "first", "a"),
        item(role("CI"), "second", "b"),
        item(role("other"), "o"),
    )
    plan = plan_of(data)
    [winner, other] = plan.entries
    assert (winner.principal_arn, winner.username, winner.groups) == (role("CI"), "second", ("b",))
    assert winner.origin.line == 5 and other.username == "o"
    [shadowed] = plan.skipped
    assert (shadowed.code, shadowed.origin.line, shadowed.origin.arn) == (
        "duplicate-arn",
        1,
        role("ci"),
    )
    assert "line 5" in shadowed.reason
    assert plan.can_switch_to_api  # the shadowed entry lets no one in today


def test_a_user_shadowed_by_a_role_mapping_is_skipped() -> None:
    data = {
        "mapRoles": item(role("ci"), "role-wins"),
        "mapUsers": item(role("ci"), "never", key="userarn"),
    }
    plan = plan_of(data)
    assert [e.username for e in plan.entries] == ["role-wins"]
    assert [(u.code, u.origin.key) for u in plan.skipped] == [("shadowed-by-role", "mapUsers")]


def test_users_in_several_cases_with_one_mapping_migrate_once() -> None:
    data = {
        "mapUsers": item(user("Bob"), "bob", "ops", key="userarn")
        + item(user("bob"), "bob", "ops", key="userarn")
    }
    plan = plan_of(data)
    assert [e.principal_arn for e in plan.entries] == [user("bob")]
    assert [(u.code, u.origin.arn) for u in plan.skipped] == [("duplicate-arn", user("Bob"))]


def test_users_in_several_cases_with_different_mappings_are_ambiguous() -> None:
    data = {
        "mapUsers": item(user("Bob"), "bob", "ops", key="userarn")
        + item(user("bob"), "robert", "ops", key="userarn")
    }
    plan = plan_of(data)
    assert plan.entries == ()
    assert [u.code for u in plan.blocked] == ["ambiguous-user", "ambiguous-user"]
    assert not plan.can_switch_to_api


def test_role_paths_come_from_iam() -> None:
    sso = "AWSReservedSSO_Admin_0123456789abcdef"
    data = map_roles(
        item(role(sso), "sso:{{SessionName}}", "admins"),
        item(role("team-ci"), "ci", "ops"),
        item(role("plain"), "plain"),
        item(role("gone"), "gone"),
        item(role("slr"), "slr"),
    )
    roles = {
        role(sso).upper(): RoleLookup(role(f"aws-reserved/sso.amazonaws.com/eu-west-1/{sso}")),
        role("team-ci"): RoleLookup(role("team/a/team-ci")),
        role("plain"): RoleLookup(role("plain")),
        role("gone"): RoleLookup(None),
        role("slr"): RoleLookup(role("aws-service-role/eks.amazonaws.com/slr")),
    }
    plan = plan_of(data, roles)
    assert [(e.principal_arn, e.iam_checked) for e in plan.entries] == [
        (role(f"aws-reserved/sso.amazonaws.com/eu-west-1/{sso}"), True),
        (role("team/a/team-ci"), True),
        (role("plain"), True),
    ]
    assert "/aws-reserved/sso.amazonaws.com/eu-west-1/ comes from IAM" in plan.entries[0].notes[0]
    assert plan.entries[2].notes == ()
    assert [(u.code, u.origin.arn) for u in plan.skipped] == [("no-such-role", role("gone"))]
    assert [u.code for u in plan.blocked] == ["service-linked-role"]


def test_roles_not_looked_up_keep_their_arn_with_a_note() -> None:
    sso = "AWSReservedSSO_Admin_0123456789abcdef"
    data = map_roles(item(role(sso), "sso:{{SessionName}}"), item(role("ci", OTHER), "ci"))
    roles = {role("ci", OTHER): RoleLookup(None, checked=False, reason="another account")}
    plan = plan_of(data, roles)
    [sso_entry, other] = plan.entries
    assert sso_entry.principal_arn == role(sso) and not sso_entry.iam_checked
    assert "aws-reserved/sso.amazonaws.com/" in sso_entry.notes[0]
    assert "not looked up in IAM" in sso_entry.notes[0]
    assert other.notes == (
        "the role's path is not checked (another account): the entry needs it, if the role has one",
    )


def test_roles_to_look_up_are_the_honoured_role_arns_once() -> None:
    data = {
        "mapRoles": item(role("a"), "a")
        + item(role("A"), "a2")
        + item(role("team/b"), "b")
        + item(user("u"), "u"),
        "mapUsers": item(role("c"), "c", key="userarn")
        + item("arn:aws:iam::1:role/x", "x", key="userarn"),
    }
    assert roles_to_look_up(data) == [role("A"), role("c")]


def test_map_accounts_are_blocked_at_their_line() -> None:
    plan = plan_of({"mapAccounts": f"- nope\n- '{ACCOUNT}'\n- {OTHER}\n"})
    assert [(u.origin.line, u.origin.arn) for u in plan.blocked] == [(2, ACCOUNT), (3, OTHER)]
    assert [(u.code, u.origin.line) for u in plan.skipped] == [("invalid-account", 1)]


def test_the_admin_policy_is_in_the_cluster_partition() -> None:
    china = ClusterFacts(
        "prod", "cn-north-1", "arn:aws-cn:eks:cn-north-1:111122223333:cluster/prod"
    )
    data = map_roles(item("arn:aws-cn:iam::111122223333:role/a", "a", "system:masters"))
    assert plan_of(data, cluster=china).entries[0].policies[0].arn == (
        "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    )
    assert plan_of(data, cluster=None).entries[0].policies[0].arn.startswith("arn:aws-cn:eks")


@pytest.mark.parametrize(
    ("mode", "note"),
    [(Mode.CONFIG_MAP, "CONFIG_MAP mode"), (Mode.API, "no longer reads aws-auth"), (None, None)],
)
def test_the_mode_is_stated(mode: Mode | None, note: str | None) -> None:
    cluster = ClusterFacts("prod", authentication_mode=mode, described=True)
    notes = plan_of({}, cluster=cluster).notes
    assert (note in notes[0]) if note else notes == ()


# --- against the cluster's entries ---------------------------------------------------------------

MASTERS = map_roles(item(role("admin"), "admin", "system:masters", "ops"))


def existing(
    type: str = "STANDARD",
    username: str | None = "admin",
    groups: tuple[str, ...] = ("ops",),
    *policies: tuple[str, Scope],
) -> dict[str, Existing]:
    return {role("ADMIN"): Existing(role("admin"), type, username, groups, policies)}


def test_an_entry_as_planned_exists_and_is_imported() -> None:
    plan = reconcile(plan_of(MASTERS), existing("STANDARD", "admin", ("ops",), (ADMIN, Scope())))
    [entry] = plan.entries
    assert (entry.status, entry.policies[0].status) == (Status.EXISTS, Status.EXISTS)
    assert plan.entries_checked and plan.can_switch_to_api and plan.api_blockers() == []


def test_a_missing_association_is_to_create() -> None:
    plan = reconcile(plan_of(MASTERS), existing("STANDARD", "admin", ("ops",), (VIEW, Scope())))
    [entry] = plan.entries
    assert (entry.status, entry.policies[0].status) == (Status.EXISTS, Status.CREATE)
    assert "AmazonEKSViewPolicy (cluster scope), which stays" in entry.notes[-1]
    assert plan.api_blockers() == [
        f"{role('admin')}: AmazonEKSClusterAdminPolicy is not associated yet"
    ]


def test_an_association_with_another_scope_conflicts() -> None:
    ns = Scope("namespace", ("a",))
    plan = reconcile(plan_of(MASTERS), existing("STANDARD", "admin", ("ops",), (ADMIN, ns)))
    policy = plan.entries[0].policies[0]
    assert policy.status is Status.CONFLICT
    assert policy.detail == "it is associated with namespaces a scope, aws-auth needs cluster"
    assert not plan.can_switch_to_api
    assert plan.api_blockers() == [f"{role('admin')}: AmazonEKSClusterAdminPolicy: {policy.detail}"]


@pytest.mark.parametrize(
    ("current", "detail"),
    [
        (existing("EC2_LINUX", None, ()), "exists as a EC2_LINUX entry"),
        (existing("STANDARD", "someone", ("ops",)), "its username is 'someone'"),
        (existing("STANDARD", "admin", ("dev",)), "its Kubernetes groups are [dev]"),
    ],
)
def test_an_entry_that_differs_conflicts(current: dict[str, Existing], detail: str) -> None:
    plan = reconcile(plan_of(MASTERS), current)
    [entry] = plan.entries
    assert entry.status is Status.CONFLICT and detail in (entry.detail or "")
    assert not plan.can_switch_to_api
    assert plan.api_blockers() == [f"{role('admin')}: {entry.detail}"]


def test_no_username_planned_accepts_any_and_nodes_ignore_username_and_groups() -> None:
    data = map_roles(item(role("ci"), None, "ops"), item(role("ng"), EC2, *NODE_GROUPS))
    current = {
        role("ci"): Existing(role("ci"), "STANDARD", "arn:...:ci/{{SessionName}}", ("ops",)),
        role("ng"): Existing(role("ng"), "EC2_LINUX", EC2, ("system:nodes",)),
    }
    assert [e.status for e in reconcile(plan_of(data), current).entries] == [Status.EXISTS] * 2


def test_entries_to_create_keep_the_api_switch_waiting() -> None:
    plan = reconcile(plan_of(MASTERS), {})
    assert plan.can_switch_to_api
    assert plan.api_blockers() == [f"{role('admin')}: has no access entry yet"]


def test_blockers_name_what_cannot_migrate_first() -> None:
    plan = plan_of({"mapAccounts": f"- '{ACCOUNT}'\n"})
    [line] = plan.api_blockers()
    assert line.startswith(f"mapAccounts line 1 ({ACCOUNT}): every IAM identity")


@pytest.mark.parametrize(
    ("version", "platform", "mode", "supported"),
    [
        ("1.29", "eks.1", None, True),
        ("1.28", "eks.5", None, False),
        ("1.28", "eks.6", Mode.CONFIG_MAP, True),
        ("1.31", None, None, True),
        ("1.22", "eks.30", None, False),
        ("1.30", "weird", None, None),
        (None, None, None, None),
        ("1.19", "eks.4", Mode.API_AND_CONFIG_MAP, True),
    ],
)
def test_which_clusters_have_access_entries(
    version: str | None, platform: str | None, mode: Mode | None, supported: bool | None
) -> None:
    facts = ClusterFacts("c", None, None, version, platform, mode, described=True)
    assert facts.supports_access_entries is supported


def test_facts_of_a_cluster_only_named() -> None:
    facts: Any = ClusterFacts("c")
    assert (facts.supports_access_entries, facts.account, facts.partition) == (None, None, None)
    assert (FACTS.account, FACTS.partition) == (ACCOUNT, "aws")
