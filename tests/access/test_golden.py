"""Golden plans and Terraform for the held-in fixtures (tests/assets/access/<case>/): the
aws-auth manifest, and in inputs.json what AWS would say (the cluster, IAM's role ARNs, the
entries the cluster has). EKS_TF_AUTH_REGENERATE_GOLDEN=1 rewrites plan.json, plan.txt and
main.tf."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from eks_tf_auth.access import report
from eks_tf_auth.access.model import ClusterFacts, Existing, Mode, Plan, Scope
from eks_tf_auth.access.terraform import render_terraform
from eks_tf_auth.access.translate import RoleLookup, reconcile, translate
from eks_tf_auth.kube.aws_auth import load_manifest

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "access"
CASES = sorted(p.name for p in ASSETS.iterdir() if (p / "aws-auth.yaml").exists())
REGENERATE = os.environ.get("EKS_TF_AUTH_REGENERATE_GOLDEN") == "1"


def _lookup(value: Any) -> RoleLookup:
    if isinstance(value, dict):
        return RoleLookup(None, checked=False, reason=value["reason"])
    return RoleLookup(value)


def case_plan(case: str) -> Plan:
    """The plan from the case's manifest and what inputs.json says AWS answers."""
    folder = ASSETS / case
    data = load_manifest((folder / "aws-auth.yaml").read_text()).data
    inputs = json.loads((folder / "inputs.json").read_text())
    c = inputs["cluster"]
    cluster = ClusterFacts(
        name=c["name"],
        region=c.get("region"),
        arn=c.get("arn"),
        kubernetes_version=c.get("kubernetes_version"),
        platform_version=c.get("platform_version"),
        authentication_mode=Mode(c["authentication_mode"]) if "authentication_mode" in c else None,
        described="arn" in c,
    )
    roles = {arn: _lookup(v) for arn, v in inputs.get("roles", {}).items()}
    plan = translate(data, source=inputs["source"], cluster=cluster, roles=roles)
    if "existing" not in inputs:
        return plan
    existing = {
        e["principal_arn"]: Existing(
            e["principal_arn"],
            e["type"],
            e["username"],
            tuple(e["groups"]),
            tuple((arn, Scope(kind, tuple(ns))) for arn, kind, ns in e["policies"]),
        )
        for e in inputs["existing"]
    }
    return reconcile(plan, existing)


def check(case: str, name: str, text: str) -> None:
    path = ASSETS / case / name
    if REGENERATE:
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run with EKS_TF_AUTH_REGENERATE_GOLDEN=1"
    assert text == path.read_text(), f"{case}/{name} differs from its golden file"


@pytest.mark.parametrize("case", CASES)
def test_golden_plan_and_terraform(case: str) -> None:
    plan = case_plan(case)
    check(case, "plan.json", report.plan_json([plan]))
    check(case, "plan.txt", report.plan_text(plan))
    check(case, "main.tf", render_terraform([plan]))


@pytest.mark.parametrize("case", CASES)
def test_the_saved_plan_renders_the_same(case: str) -> None:
    saved = Plan.from_json(json.loads((ASSETS / case / "plan.json").read_text()))
    assert saved == case_plan(case)
    assert render_terraform([saved]) == (ASSETS / case / "main.tf").read_text()


def test_the_prod_case_says_what_each_principal_needs() -> None:
    """The cases the issue names, read off the prod fixture's plan."""
    plan = case_plan("prod")
    by_arn = {e.principal_arn.rsplit("/", 1)[-1]: e for e in plan.entries}
    assert by_arn["eks-managed-ng"].status.value == "exists"  # EKS made it for the node group
    assert by_arn["self-managed-windows"].type.value == "EC2_WINDOWS"
    sso = by_arn["AWSReservedSSO_AdministratorAccess_fedcba9876543210"]
    assert "/aws-reserved/sso.amazonaws.com/eu-west-1/" in sso.principal_arn
    assert [p.status.value for p in by_arn["platform-admin"].policies] == ["exists"]
    assert by_arn["atlantis"].principal_arn.endswith(":role/ci/atlantis")
    assert by_arn["data-etl"].status.value == "conflict"
    assert [u.code for u in plan.skipped] == ["no-such-role"]
