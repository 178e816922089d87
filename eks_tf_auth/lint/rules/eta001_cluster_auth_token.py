"""## What it does
Flags a Kubernetes, Helm or kubectl provider whose `token` comes from
`data "aws_eks_cluster_auth"` — directly or through locals, variables, module inputs and outputs,
splats and functions such as `one()`, `join()`, `try()` or `element(concat())`.

## Why is this bad?
The data source signs the token when the plan is made, and EKS accepts it for 15 minutes. An
apply that runs later — a saved plan, any Atlantis apply, or a long apply — uses the frozen token
and fails with `Unauthorized`, and the token is stored in plaintext in the plan file and state.

## Example
    data "aws_eks_cluster_auth" "this" { name = var.cluster_name }
    provider "kubernetes" {
      token = data.aws_eks_cluster_auth.this.token
    }

Use instead an exec block, which asks for a fresh token whenever the provider starts:

    provider "kubernetes" {
      exec {
        api_version = "client.authentication.k8s.io/v1beta1"
        command     = "eks-tf-auth"
        args        = ["exec", "--cluster-name", var.cluster_name]
      }
    }

`eks-tf-auth lint --fix` makes this change (`--fix=ephemeral` switches to
`ephemeral "aws_eks_cluster_auth"`, Terraform >= 1.10, instead).
"""

from __future__ import annotations

from collections.abc import Iterator

from eks_tf_auth.lint.connections import tainted_tokens
from eks_tf_auth.lint.flow import Kind
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA001"


def check(project: Project) -> Iterator[Finding]:
    for conn, where, taint in tainted_tokens(project, Kind.AUTH):
        yield Finding(
            where.path,
            where.line,
            where.column,
            ID,
            f"{conn.name}: token comes from {taint.describe()}, minted at plan time; "
            "it expires 15 minutes later, so saved plans and long applies fail",
            RULE.severity,
        )


RULE = Rule(ID, "cluster-auth-token", Severity.ERROR, check, __doc__ or "")
