"""## What it does
Flags a Kubernetes, Helm or kubectl provider whose `token` comes from a `data "external"`
program (such as `eks-tf-auth external` with `include_token = "true"`).

## Why is this bad?
Like `aws_eks_cluster_auth`, an external data source runs at plan time: its token is frozen
into saved plans and stored in state, and it expires before a later apply.

## Example
    provider "kubernetes" {
      token = data.external.eks.result.token
    }

Use instead: `exec { command = data.external.eks.result.exec_command,
args = jsondecode(data.external.eks.result.exec_args) }`.
"""

from __future__ import annotations

from collections.abc import Iterator

from eks_tf_auth.lint.connections import tainted_tokens
from eks_tf_auth.lint.flow import Kind
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA006"


def check(project: Project) -> Iterator[Finding]:
    for conn, where, taint in tainted_tokens(project, Kind.EXTERNAL):
        yield Finding(
            where.path,
            where.line,
            where.column,
            ID,
            f"{conn.name}: token comes from {taint.describe()}, read at plan time and "
            "frozen into saved plans",
            RULE.severity,
            where.statement,
        )


RULE = Rule(ID, "external-token", Severity.WARNING, check, __doc__ or "")
