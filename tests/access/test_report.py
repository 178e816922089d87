"""What the commands print for a plan, a fleet and an apply."""

from __future__ import annotations

import dataclasses

from eks_tf_auth.access import report
from eks_tf_auth.access.apply import Action, ApplyResult, Outcome
from eks_tf_auth.access.model import (
    ClusterFacts,
    EntryPlan,
    EntryType,
    Mode,
    Origin,
    Plan,
    PolicyPlan,
    Scope,
    Status,
    Unmigrated,
)
from eks_tf_auth.access.plan import ClusterFailure, Fleet
from tests.access.support import ADMIN, CLUSTER_ARN, role

FACTS = ClusterFacts("prod", "us-west-2", CLUSTER_ARN, "1.29", "eks.8", Mode.API, True)
ORIGIN = Origin("mapRoles", 1, role("a"))


def test_a_plan_in_text() -> None:
    conflict = PolicyPlan(ADMIN, Scope(), Status.CONFLICT, "other scope")
    entry = EntryPlan(role("a"), ORIGIN, EntryType.STANDARD, policies=(conflict,))
    plan = Plan("src", FACTS, (entry,), entries_checked=True, notes=("the note",))
    lines = report.plan_text(plan).splitlines()
    assert "note: the note" in lines
    assert "           conflict: AmazonEKSClusterAdminPolicy: other scope" in lines
    assert lines[-1] == "switch to API: blocked (1 conflict)"


def test_nothing_left_to_migrate() -> None:
    plan = Plan("src", FACTS, (), entries_checked=True)
    assert report.plan_text(plan).splitlines()[-1] == (
        "switch to API: nothing is left in aws-auth that EKS honours and access entries lack"
    )
    unknown = dataclasses.replace(FACTS, authentication_mode=None, platform_version="new")
    text = report.plan_text(dataclasses.replace(plan, cluster=unknown))
    assert "authentication mode: not reported" in text and "access entries: cannot tell" in text


def test_a_fleet_table_marks_what_is_blocked() -> None:
    blocked = Plan("s", FACTS, blocked=(Unmigrated(ORIGIN, "map-accounts", "r"),))
    done = Plan("s", dataclasses.replace(FACTS, name="done", authentication_mode=None))
    fleet = Fleet((blocked, done), (ClusterFailure("x", "boom"),))
    assert report.fleet_text(fleet).splitlines() == [
        "CLUSTER  MODE  TO CREATE  BLOCKED  SWITCH TO API",
        "prod     API   0          1        blocked",
        "done     -     0          0        yes",
        "x        -     -          -        failed",
        "x: boom",
    ]


def test_an_apply_summary() -> None:
    result = ApplyResult(
        "prod",
        (Outcome(role("a"), Action.WOULD_CREATE, "STANDARD"), Outcome(role("a"), Action.FAILED)),
        (Unmigrated(ORIGIN, "c", "why"),),
        (),
        True,
    )
    assert report.apply_text(result).splitlines() == [
        "cluster prod (dry run: nothing changed)",
        f"  would create     {role('a')}  STANDARD",
        f"  failed           {role('a')}",
        "0 created, 1 would create, 1 failed, 1 not migratable",
        f"  not migrated: mapRoles line 1 {role('a')}: why",
    ]
