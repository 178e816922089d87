"""The plan's JSON form: it round-trips, and a plan file is checked value by value (a bad one
is one InputError naming where it is)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from eks_tf_auth.access.model import (
    KNOWN_POLICIES,
    PLAN_VERSION,
    ClusterFacts,
    EntryPlan,
    EntryType,
    Existing,
    Mode,
    Origin,
    Plan,
    PolicyPlan,
    Scope,
    Status,
    policy_arn,
    principal_arn,
)
from eks_tf_auth.access.plan import read_plans
from eks_tf_auth.access.translate import reconcile, translate
from eks_tf_auth.errors import InputError
from tests.access.support import ADMIN, CLUSTER_ARN, item, role

FACTS = ClusterFacts(
    "prod", "us-west-2", CLUSTER_ARN, "1.29", "eks.8", Mode.API_AND_CONFIG_MAP, described=True
)
DATA = {
    "mapRoles": item(role("admin"), "admin", "system:masters")
    + item(role("ng"), "system:node:{{EC2PrivateDNSName}}", "system:nodes")
    + item(role("x"), "x", "system:authenticated")
    + item(role("team/y"), "y"),
    "mapAccounts": "- '111122223333'\n",
}


def sample() -> Plan:
    plan = translate(DATA, source="file", cluster=FACTS)
    return reconcile(plan, {role("ng"): Existing(role("ng"), "EC2_LINUX", None, ())})


def test_a_plan_round_trips_through_json() -> None:
    plan = sample()
    text = json.dumps(plan.to_json())
    assert Plan.from_json(json.loads(text)) == plan
    offline = translate(DATA, source="file", cluster=None)
    assert Plan.from_json(offline.to_json()) == offline


def test_the_json_form_is_stable() -> None:
    document = sample().to_json()
    assert list(document) == [
        "version",
        "source",
        "cluster",
        "entries_checked",
        "summary",
        "notes",
        "entries",
        "not_migrated",
        "skipped",
    ]
    assert document["summary"] == {
        "create": 1,
        "exists": 1,
        "conflict": 0,
        "blocked": 2,
        "skipped": 1,
        "can_switch_to_api": False,
    }


def test_namespace_scopes_and_hand_written_policy_names_are_read() -> None:
    document: Any = sample().to_json()
    document["entries"][0]["policies"] = [
        {
            "policy_arn": "AmazonEKSViewPolicy",
            "access_scope": {"type": "namespace", "namespaces": ["a"]},
        },
        {"policy_arn": ADMIN},
    ]
    read = Plan.from_json(document)
    assert read.entries[0].policies == (
        PolicyPlan(
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            Scope("namespace", ("a",)),
        ),
        PolicyPlan(ADMIN),
    )


def _bad(path: str, value: object) -> Any:
    document: Any = copy.deepcopy(sample().to_json())
    where: Any = document
    *parents, last = path.split(".")
    for part in parents:
        where = where[int(part)] if part.isdigit() else where[part]
    if value is KeyError:
        del where[last]
    else:
        where[int(last) if last.isdigit() else last] = value
    return document


BAD = {
    "not-an-object": ([1], "the plan: the top level: not a JSON object"),
    "unknown-key": (_bad("extra", 1), "the top level: unknown key 'extra'"),
    "version": (_bad("version", 2), "version: 2 is not 1"),
    "cluster-name": (_bad("cluster.name", "a b"), "cluster.name: invalid cluster name 'a b'"),
    "cluster-region": (_bad("cluster.region", "mars"), "cluster.region: invalid region"),
    "cluster-mode": (_bad("cluster.authentication_mode", "OPEN"), "'OPEN' is not one of"),
    "cluster-described": (_bad("cluster.described", "yes"), "cluster.described: not true or false"),
    "entries-list": (_bad("entries", {}), "entries: not a list"),
    "malformed-arn": (
        _bad("entries.0.principal_arn", "arn:aws:iam::1:role/x"),
        "entries[0].principal_arn: invalid principal ARN 'arn:aws:iam::1:role/x'",
    ),
    "arn-not-text": (_bad("entries.0.principal_arn", 7), "not a string of at most 1024"),
    "unknown-policy": (
        _bad("entries.0.policies.0.policy_arn", "AmazonEKSClusterAdmin"),
        "entries[0].policies[0].policy_arn: unknown access policy 'AmazonEKSClusterAdmin'",
    ),
    "scope-type": (
        _bad("entries.0.policies.0.access_scope.type", "global"),
        "'global' is not cluster or namespace",
    ),
    "scope-without-namespaces": (
        _bad("entries.0.policies.0.access_scope.type", "namespace"),
        "a namespace scope names namespaces",
    ),
    "namespace-name": (
        _bad("entries.0.policies.0.access_scope", {"type": "namespace", "namespaces": ["A_B"]}),
        "'A_B' is not a Kubernetes namespace name",
    ),
    "policy-twice": (
        _bad("entries.0.policies", [{"policy_arn": ADMIN}, {"policy_arn": ADMIN}]),
        "entries[0].policies: a policy is given twice",
    ),
    "type": (_bad("entries.0.type", "EC2"), "'EC2' is not one of STANDARD"),
    "status": (_bad("entries.0.status", "done"), "entries[0].status: 'done' is not one of"),
    "node-with-groups": (
        _bad("entries.1.kubernetes_groups", ["ops"]),
        "a EC2_LINUX entry takes no username, groups or policies",
    ),
    "system-group": (
        _bad("entries.0.kubernetes_groups", ["system:masters"]),
        "'system:masters' cannot be an access entry's group",
    ),
    "groups-not-a-list": (_bad("entries.0.kubernetes_groups", "ops"), "not a list"),
    "line": (_bad("entries.0.aws_auth.line", 0), "entries[0].aws_auth.line: not a line number"),
    "line-bool": (_bad("entries.0.aws_auth.line", True), "not a line number"),
    "flag": (_bad("entries.0.iam_checked", 1), "entries[0].iam_checked: not true or false"),
    "reason": (_bad("not_migrated.0.reason", None), "not_migrated[0].reason: not a string"),
    "skipped-origin": (_bad("skipped.0.aws_auth", []), "skipped[0].aws_auth: not a JSON object"),
    "duplicate-principal": (
        _bad("entries.1.principal_arn", role("ADMIN")),
        "entries[1].principal_arn: arn:aws:iam::111122223333:role/ADMIN has an entry already",
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_plan_is_one_input_error_naming_where(name: str) -> None:
    document, message = BAD[name]
    with pytest.raises(InputError) as caught:
        Plan.from_json(document)
    assert message in caught.value.message
    assert "\n" not in caught.value.message and caught.value.hint


def test_policy_names_and_arns() -> None:
    assert policy_arn("AmazonEKSViewPolicy") == (
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    )
    assert policy_arn("AmazonEKSViewPolicy", "aws-us-gov").startswith("arn:aws-us-gov:eks::aws:")
    gov = "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
    assert policy_arn(gov) == gov
    with pytest.raises(InputError, match="unknown access policy") as close:
        policy_arn("AmazonEKSClusterAdmin")
    assert close.value.hint == "did you mean AmazonEKSClusterAdminPolicy?"
    with pytest.raises(InputError) as far:
        policy_arn("x")
    assert "list-access-policies" in (far.value.hint or "")
    assert len(set(KNOWN_POLICIES)) == len(KNOWN_POLICIES)


@pytest.mark.parametrize(
    "arn",
    [
        role("a"),
        role("a/b/c"),
        "arn:aws:iam::111122223333:user/p/alice",
        "arn:aws:iam::111122223333:root",
        "arn:aws-cn:iam::111122223333:role/a",
    ],
)
def test_principal_arns_accepted(arn: str) -> None:
    assert principal_arn(arn) == arn


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111122223333:group/a",
        "arn:aws:sts::111122223333:assumed-role/a/b",
        "arn:aws:iam::111122223333:role/",
        "arn:aws:iam::111122223333:role/a b",
        'arn:aws:iam::111122223333:role/a"',
    ],
)
def test_principal_arns_refused(arn: str) -> None:
    with pytest.raises(InputError, match="invalid principal ARN"):
        principal_arn(arn)


def test_origin_and_scope_read_as_text() -> None:
    assert str(Origin("mapRoles", 3, "x")) == "mapRoles line 3"
    assert str(Scope()) == "cluster" and str(Scope("namespace", ("a", "b"))) == "namespaces a, b"
    assert Scope("namespace", ("a", "b")).same(Scope("namespace", ("b", "a")))
    entry = EntryPlan(role("a"), Origin("mapRoles", 1, role("a")), EntryType.STANDARD)
    assert entry.status is Status.CREATE and PolicyPlan(ADMIN).name == "AmazonEKSClusterAdminPolicy"


def test_read_plans_reads_one_or_a_fleet(tmp_path: Path) -> None:
    one = tmp_path / "plan.json"
    one.write_text(json.dumps(sample().to_json()))
    assert read_plans(str(one)) == [sample()]
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps({"clusters": [sample().to_json()] * 2, "failures": []}))
    assert read_plans(str(fleet)) == [sample(), sample()]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "is not JSON: line 1, column 2"),
        (b"\xff\xfe", "is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"clusters": {}, "failures": []}', "clusters: not a list"),
        (b'{"clusters": [1], "failures": []}', "plan.json: clusters[0]: the top level"),
        (b'{"version": 1, "entries": [{}]}', "entries[0].principal_arn"),
    ],
)
def test_read_plans_refuses_what_is_no_plan(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_plans(str(path))
    assert message in caught.value.message


def test_read_plans_refuses_missing_and_huge_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError, match=r"cannot read .*: No such file"):
        read_plans(str(tmp_path / "none.json"))
    monkeypatch.setattr("eks_tf_auth.access.plan.MAX_PLAN_SIZE", 4)
    big = tmp_path / "big.json"
    big.write_text("{}     ")
    with pytest.raises(InputError, match="is over 0 MiB"):
        read_plans(str(big))
    assert PLAN_VERSION == 1
