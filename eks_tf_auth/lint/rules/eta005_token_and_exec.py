"""## What it does
Flags a provider that sets both `token` and an exec block (static or `dynamic "exec"`), unless
they never coexist: `token = var.x ? null : ...` beside a `dynamic "exec"` whose `for_each` is
the same condition the other way round (`var.x ? [1] : []`).

## Why is this bad?
The static token wins: the exec block never runs, and the provider fails once the token
expires, however correct the exec block is.

## Example
    provider "kubernetes" {
      token = data.aws_eks_cluster_auth.this.token
      exec { command = "eks-tf-auth" }
    }

Use instead: remove `token` and keep the exec block (`eks-tf-auth lint --fix` does).
"""

from __future__ import annotations

from collections.abc import Iterator

from eks_tf_auth.lint.connections import connections, exclusive_exec
from eks_tf_auth.lint.edits import Edit, FixContext, align_edit
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA005"


def check(project: Project) -> Iterator[Finding]:
    for conn in connections(project):
        if (
            conn.token is not None
            and conn.has_exec
            and conn.token_expr.strip() != "null"
            and exclusive_exec(conn) is None
        ):
            yield Finding(
                conn.token.path,
                conn.token.line,
                conn.token.column,
                ID,
                f"{conn.name} sets both token and exec: the static token wins and exec never runs",
                RULE.severity,
            )


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    conn = ctx.connection(finding)
    assert conn.token_attribute is not None  # ctx.connection's promise
    return [ctx.remove(conn.token_attribute, conn.provider.path), align_edit(conn.provider)]


RULE = Rule(ID, "token-and-exec", Severity.ERROR, check, __doc__ or "", fix)
