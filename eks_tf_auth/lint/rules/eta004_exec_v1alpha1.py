"""## What it does
Flags a provider exec block whose `api_version` is `client.authentication.k8s.io/v1alpha1`.

## Why is this bad?
Kubernetes removed v1alpha1 of the exec credential API in 1.24: client-go (and so the
Kubernetes, Helm and kubectl providers) refuses to run the plugin.

## Example
    exec {
      api_version = "client.authentication.k8s.io/v1alpha1"
    }

Use instead `client.authentication.k8s.io/v1beta1` (or `/v1`); `eks-tf-auth lint --fix` makes
this change.
"""

from __future__ import annotations

from collections.abc import Iterator

from eks_tf_auth.lint.connections import Where, connections, exec_settings
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA004"
REMOVED = "client.authentication.k8s.io/v1alpha1"
CURRENT = "client.authentication.k8s.io/v1beta1"


def check(project: Project) -> Iterator[Finding]:
    for conn in connections(project):
        for where, block in exec_settings(conn):
            api_version = block.attributes.get("api_version")
            if api_version is not None and REMOVED in api_version.expr:
                yield Finding(
                    where.path,
                    where.line,
                    where.column,
                    ID,
                    f"{conn.name}: exec api_version {REMOVED} was removed in Kubernetes 1.24; "
                    "use client.authentication.k8s.io/v1beta1",
                    RULE.severity,
                )


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    at = Where(finding.path, finding.line, finding.column)
    for conn in connections(ctx.project):
        for where, block in exec_settings(conn):
            if where == at and "!" not in conn.module:
                attr = block.attributes["api_version"]
                new = attr.expr.replace(REMOVED, CURRENT)
                return [Edit(block.path, attr.expr_start, attr.end, Op.REPLACE, new)]
    raise Unfixable("inside a saved plan: fix the configuration and plan again")


RULE = Rule(ID, "exec-v1alpha1", Severity.ERROR, check, __doc__ or "", fix)
