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

`eks-tf-auth lint --fix` makes this change, in HCL, helm 3.x's `kubernetes = { ... }` and
`.tf.json` alike, and removes the data source (wherever it is declared) and the locals that only
carried its token; where the provider already has an exec block, it removes the token, and a
`dynamic "exec"` that is only there when the token is not becomes a plain exec block.
`--fix=ephemeral` switches to `ephemeral "aws_eks_cluster_auth"` (Terraform >= 1.10) instead.
--fix lists, with the reason, what it cannot rewrite: a token that comes in through a module
input or output (the module does not know the cluster), a data source that is not declared in
the module, or one per instance (`count`, `for_each`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from eks_tf_auth.lint.connections import (
    Connection,
    Where,
    exclusive_exec,
    tainted_tokens,
    with_token_at,
)
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable, align_edit, leaves, one_line
from eks_tf_auth.lint.flow import Kind, Taint
from eks_tf_auth.lint.hcl import Block
from eks_tf_auth.lint.model import Module, Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity
from eks_tf_auth.lint.syntax import CODE, as_hcl, as_json, classify, is_json

ID = "ETA001"
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
EXEC_COMMAND = "eks-tf-auth"


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


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    conn = with_token_at(ctx.project, Where(finding.path, finding.line, finding.column))
    if conn is None or conn.token_attribute is None:
        raise Unfixable("helm's kubernetes attribute is built by an expression: edit it by hand")
    if "!" in conn.module:
        raise Unfixable("inside a saved plan: fix the configuration and plan again")
    taint = ctx.flow.of(conn.module, conn.token_refs, Kind.AUTH)
    assert taint is not None  # ETA001 reported it
    if conn.has_exec and ctx.mode != "ephemeral":
        return _drop_token(ctx, conn)
    for step in taint.via:
        if not step.startswith("local."):
            through = "module input" if step.startswith("var.") else "module output"
            raise Unfixable(
                f"the token comes through {through} {step}, and this module does not know the "
                "cluster: give it the cluster name and an exec block by hand"
            )
    module = ctx.module(conn.module)
    data = module.block(taint.source)
    if data is None:
        raise Unfixable(f"{taint.source} is not declared in this module")
    name = data.attributes.get("name")
    if name is None:
        raise Unfixable(f"{taint.source} has no name argument")
    if re.search(r"\b(?:each|count)\.", name.expr):
        raise Unfixable(f"{taint.source} has one token per instance (count or for_each)")
    if ctx.mode == "ephemeral":
        return _ephemeral(ctx, conn.module, data, taint)
    return _exec(ctx, conn, module, (name.expr, data.path))


def _drop_token(ctx: FixContext, conn: Connection) -> list[Edit]:
    """The provider has an exec block: the token goes, and a dynamic exec block that was only
    there when the token was not becomes a plain one."""
    token = conn.token_attribute
    assert token is not None
    path = conn.provider.path
    exclusive = exclusive_exec(conn)
    if exclusive is not None and is_json(path):
        raise Unfixable("a dynamic exec block in .tf.json: make it a plain exec block by hand")
    unwrap = _unwrap(exclusive, ctx.source(path).text) if exclusive is not None else []
    return [ctx.remove(token, path), align_edit(conn.provider), *unwrap]


def _exec(ctx: FixContext, conn: Connection, module: Module, name: tuple[str, str]) -> list[Edit]:
    """The token gives way to an exec block that runs eks-tf-auth for the data source's cluster."""
    token = conn.token_attribute
    assert token is not None
    path = conn.provider.path
    text = ctx.source(path).text
    region = _region(module)
    if is_json(path):
        args = ['"exec"', '"--cluster-name"', as_json(*name)]
        if region is not None:
            args += ['"--region"', as_json(*region)]
        member = (
            f'"exec": {{"api_version": "{EXEC_API_VERSION}", "command": "{EXEC_COMMAND}", '
            f'"args": [{", ".join(args)}]}}'
        )
        return [ctx.rewrite(token, path, member)]
    if one_line(conn.body, text):
        raise Unfixable("the provider is written on one line: an exec block needs lines")
    args = ['"exec"', '"--cluster-name"', as_hcl(*name)]
    if region is not None:
        args += ['"--region"', as_hcl(*region)]
    indent = " " * (token.column - 1)
    opener = "exec = {" if conn.in_object else "exec {"
    block = (
        f'{opener}\n{indent}  api_version = "{EXEC_API_VERSION}"\n'
        f'{indent}  command     = "{EXEC_COMMAND}"\n'
        f"{indent}  args        = [{', '.join(args)}]\n{indent}}}"
    )
    return [ctx.rewrite(token, path, block), align_edit(conn.provider)]


def _region(module: Module) -> tuple[str, str] | None:
    """The region of the module's default aws provider: (expression, the file it is in)."""
    for provider in module.of_kind("provider", "aws"):
        if "alias" not in provider.attributes and (region := provider.attributes.get("region")):
            return region.expr, provider.path
    return None


def _unwrap(dynamic: Block, text: str) -> list[Edit]:
    """`dynamic "exec" { for_each = ...  content { X } }` becomes `exec { X }`."""
    content = next(b for b in dynamic.blocks if b.kind == "content")
    body = text[content.start : content.end]
    if "iterator" in dynamic.attributes or re.search(r"\bexec\.(?:key|value)\b|<<", body):
        raise Unfixable("the dynamic exec block uses its iterator or a heredoc: edit it by hand")
    kinds = classify(body)
    brace = content.start + next(i for i, c in enumerate(body) if c == "{" and kinds[i] == CODE)
    path = dynamic.path
    edits = [Edit(path, dynamic.start, brace + 1, Op.REPLACE, "exec {")]
    line = text.find("\n", brace) + 1
    while 0 < line < content.end:  # one indent less, down to the content's closing brace
        if text.startswith("  ", line):
            edits.append(Edit(path, line, line + 2, Op.REPLACE, ""))
        line = text.find("\n", line) + 1
    edits.append(Edit(path, content.end, dynamic.end, Op.REPLACE, ""))
    return edits


def _ephemeral(ctx: FixContext, directory: str, data: Block, taint: Taint) -> list[Edit]:
    """data -> ephemeral, where every use of the token, through locals too, is in a provider or
    a local."""
    address = taint.source
    users = [
        (b, a)
        for b in ctx.module(directory).blocks
        for a in leaves(b)
        if (t := ctx.flow.of(directory, a.refs, Kind.AUTH)) is not None and t.source == address
    ]
    for block, _ in users:
        if block.kind not in ("provider", "locals"):
            raise Unfixable(
                f"{address} is also used by {block.address}, which cannot hold an ephemeral value"
            )
    if is_json(data.path) or any(is_json(b.path) for b, _ in users):
        raise Unfixable("--fix=ephemeral does not rewrite .tf.json")
    edits = [Edit(data.path, data.start, data.start + 4, Op.REPLACE, "ephemeral")]
    for owner, attr in users:
        if address not in attr.refs:
            continue  # through a local, which is renamed where it reads the data source
        new = attr.expr.replace(address, "ephemeral" + address[4:])
        edits.append(Edit(owner.path, attr.expr_start, attr.end, Op.REPLACE, new))
    return edits


RULE = Rule(ID, "cluster-auth-token", Severity.ERROR, check, __doc__ or "", fix)
