"""## What it does
Flags a Kubernetes, Helm or kubectl provider whose `token` comes from
`ephemeral "aws_eks_cluster_auth"`, directly or through locals.

## Why is this bad?
The ephemeral resource fixes what the data source breaks for saved plans: its token is never
stored, and a saved plan asks for a new one when it is applied. But the token is minted once per
run, when the provider is configured, and nothing renews it within that run: EKS accepts it for
15 minutes, so an apply that runs longer (a slow Helm release, a large rollout) still gets
`Unauthorized` from its last requests. An exec block asks for a token whenever the old one runs
out.

It is a note: it is reported, but never changes the exit code (`--fail-on` takes `error` or
`warning`, and a note is below both). Where applies are known to be short, turn it off with
`--ignore ETA011` (or `ignore = ["ETA011"]` in the `[lint]` settings), or on one provider with
`# eks-tf-auth:ignore ETA011 applies take minutes`.

## Example
    ephemeral "aws_eks_cluster_auth" "this" { name = var.cluster_name }
    provider "kubernetes" {
      token = ephemeral.aws_eks_cluster_auth.this.token
    }

Use instead the exec block ETA001 recommends (`eks-tf-auth lint --fix` makes it, as for the data
source, and removes the ephemeral resource where nothing else uses it; where the provider already
has an exec block, it removes the token).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from eks_tf_auth.lint.connections import tainted_tokens
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable, leaves
from eks_tf_auth.lint.flow import Kind
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity
from eks_tf_auth.lint.rules.eta001_cluster_auth_token import drop_token, exec_edits

ID = "ETA011"


def check(project: Project) -> Iterator[Finding]:
    for conn, where, taint in tainted_tokens(project, Kind.EPHEMERAL):
        yield Finding(
            where.path,
            where.line,
            where.column,
            ID,
            f"{conn.name}: token comes from {taint.describe()}, minted once per run and not "
            "renewed: an apply longer than 15 minutes ends in Unauthorized; exec renews it",
            RULE.severity,
            where.statement,
        )


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    conn = ctx.connection(finding)
    taint = ctx.flow.of(conn.module, conn.token_refs, Kind.EPHEMERAL)
    assert taint is not None  # ETA011 reported it
    if conn.has_exec:
        return drop_token(ctx, conn)
    if any(not step.startswith("local.") for step in taint.via):
        raise Unfixable(
            f"the token comes through {taint.via[0]}, and this module does not know the "
            "cluster: give it the cluster name and an exec block by hand"
        )
    module = ctx.module(conn.module)
    resource = module.block(taint.source)
    name = resource.attributes.get("name") if resource else None
    if resource is None or name is None:
        raise Unfixable(f"{taint.source} is not declared in this module, or has no name")
    if re.search(r"\b(?:each|count)\.", name.expr):
        raise Unfixable(f"{taint.source} has one token per instance (count or for_each)")
    edits = exec_edits(ctx, conn, module, (name.expr, resource.path), taint.source)
    token = conn.token_attribute
    assert token is not None  # ctx.connection's promise
    others = [
        a
        for b in module.blocks
        for a in leaves(b)
        if taint.source in a.refs and (b.path, a.start) != (conn.provider.path, token.start)
    ]
    if not others:  # only this token used it
        edits.append(Edit(resource.path, resource.start, resource.end, Op.DROP))
    return edits


RULE = Rule(ID, "ephemeral-token", Severity.NOTE, check, __doc__ or "", fix)
