"""render: the Terraform for plans. Unit: names, quoting, import ids, refusals. Real: every golden
main.tf and a fleet file are `terraform fmt -check` clean, parse with python-hcl2, and pass
`terraform validate` with the image's hashicorp/aws provider (import blocks included)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import hcl2
import pytest

from eks_tf_auth.access.model import (
    ClusterFacts,
    EntryPlan,
    EntryType,
    Origin,
    Plan,
    PolicyPlan,
    Scope,
    Status,
)
from eks_tf_auth.access.terraform import _comment, _policy_slug, render_terraform
from eks_tf_auth.errors import InputError
from tests.access.support import ADMIN, VIEW, role
from tests.access.test_golden import ASSETS, CASES, case_plan
from tests.support.aws import AwsEnv
from tests.support.terraform import Terraform, fmt_check, write_cli_config


def entry(name: str, **changes: Any) -> EntryPlan:
    base = EntryPlan(role(name), Origin("mapRoles", 1, role(name)), EntryType.STANDARD)
    return dataclasses.replace(base, **changes)


def plan_for(cluster: str, *entries: EntryPlan) -> Plan:
    return Plan("test", ClusterFacts(cluster), entries)


VALUES = hcl2.SerializationOptions(
    strip_string_quotes=True, with_comments=False, explicit_blocks=False
)


def parsed(text: str) -> dict[str, Any]:
    return dict(hcl2.loads(text, serialization_options=VALUES))


def test_names_are_unique_across_clusters_and_principals() -> None:
    text = render_terraform(
        [
            plan_for("prod", entry("ci"), entry("CI"), entry("9lives")),
            plan_for("prod", entry("ci", policies=(PolicyPlan(ADMIN),))),
        ]
    )
    names = [next(iter(r["aws_eks_access_entry"])) for r in parsed(text)["resource"][:3]]
    assert names == ["prod_ci", "prod_ci_2", "prod_9lives"]
    assert 'resource "aws_eks_access_entry" "prod_ci_3"' in text
    assert 'resource "aws_eks_access_policy_association" "prod_ci_3_cluster_admin"' in text


def test_a_cluster_name_starting_with_a_digit_gets_a_valid_name() -> None:
    text = render_terraform([plan_for("1st", entry("ci"))])
    assert 'resource "aws_eks_access_entry" "_1st_ci"' in text


def test_existing_entries_and_associations_are_imported() -> None:
    scoped = PolicyPlan(VIEW, Scope("namespace", ("a", "b")), Status.EXISTS)
    text = render_terraform(
        [
            plan_for(
                "prod",
                entry("ci", status=Status.EXISTS, policies=(PolicyPlan(ADMIN), scoped)),
                entry("new"),
            )
        ]
    )
    assert parsed(text)["import"] == [
        {"to": "${aws_eks_access_entry.prod_ci}", "id": f"prod:{role('ci')}"},
        {
            "to": "${aws_eks_access_policy_association.prod_ci_view}",
            "id": f"prod#{role('ci')}#{VIEW}",
        },
    ]
    assert '    type       = "namespace"\n    namespaces = ["a", "b"]\n' in text


def test_conflicts_are_left_out_and_listed() -> None:
    conflict = PolicyPlan(ADMIN, status=Status.CONFLICT, detail="other scope")
    text = render_terraform(
        [
            plan_for(
                "prod",
                entry("a", status=Status.CONFLICT, detail="its type differs"),
                entry("b", status=Status.EXISTS, policies=(conflict,)),
            )
        ]
    )
    assert "prod_a" not in text and "aws_eks_access_policy_association" not in text
    assert f"#   {role('a')}: its type differs\n" in text
    assert f"#   {role('b')}: AmazonEKSClusterAdminPolicy: other scope\n" in text


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (Plan("x", None), "the plan names no cluster"),
        (plan_for("bad name", entry("a")), "invalid cluster name"),
        (plan_for("prod", entry("a", principal_arn='arn:aws:iam::1:role/"')), "invalid principal"),
        (plan_for("prod", entry("a", username="e\u0301")), "not in Unicode normalization form C"),
        (plan_for("prod", entry("a", groups=("\ud800",))), "a lone surrogate"),
    ],
)
def test_hostile_input_is_refused(plan: Plan, message: str) -> None:
    with pytest.raises(InputError, match=message):
        render_terraform([plan])


def test_comment_text_cannot_end_the_comment() -> None:
    assert _comment('a\nresource "x" {}\r\u2028\U0001f600~') == (
        'a\\u000aresource "x" {}\\u000d\\u2028\\U0001f600~'
    )
    plan = dataclasses.replace(plan_for("prod"), source="x\ny", notes=("n\n}",))
    text = render_terraform([plan])
    assert parsed(text) == {}
    assert "# aws-auth: x\\u000ay\n" in text and text.endswith("# n\\u000a}\n")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("AmazonEKSClusterAdminPolicy", "cluster_admin"),
        ("AmazonEKSAdminViewPolicy", "admin_view"),
        ("AmazonAIOpsAssistantPolicy", "aiops_assistant"),
        ("Policy", "policy"),
    ],
)
def test_policy_slugs(name: str, slug: str) -> None:
    assert _policy_slug(name) == slug


def test_every_golden_terraform_file_parses_with_python_hcl2() -> None:
    for case in CASES:
        document = parsed((ASSETS / case / "main.tf").read_text())
        assert set(document) <= {"resource", "import"}


def test_render_of_several_plans_is_one_file() -> None:
    text = render_terraform([case_plan("prod"), case_plan("mixed")])
    assert text.count("# Access entries of EKS cluster") == 2
    assert "\n\n\n" not in text and text.endswith("\n") and not text.endswith("\n\n")


PROVIDER = """terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""


@pytest.mark.real
def test_rendered_terraform_is_fmt_clean_and_valid(
    terraform_bin: str, mirror: Path, tmp_path: Path, aws_env: AwsEnv
) -> None:
    """The golden files (their clusters' names differ) side by side in one configuration, and
    a fleet's file, which holds the same blocks."""
    workdir = tmp_path / "config"
    workdir.mkdir()
    for case in CASES:
        (workdir / f"{case}.tf").write_text((ASSETS / case / "main.tf").read_text())
    fleet = tmp_path / "fleet.tf"
    fleet.write_text(render_terraform([case_plan(case) for case in CASES]))
    for path in [fleet, *sorted(workdir.glob("*.tf"))]:
        proc = fmt_check(terraform_bin, path, tmp_path)
        assert proc.returncode == 0, path.name + proc.stdout + proc.stderr
    (workdir / "provider.tf").write_text(PROVIDER)
    tf = Terraform(
        terraform_bin, workdir, write_cli_config(tmp_path / "cli.tfrc", mirror), aws_env.env
    )
    tf.run("init", "-backend=false", "-input=false")
    tf.run("validate")
