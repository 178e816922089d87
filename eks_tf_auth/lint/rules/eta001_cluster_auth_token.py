"""## What it does
Flags a provider that connects to Kubernetes (kubernetes, kubernetes-alpha, kubectl, helm 2.x
and 3.x, flux, kustomization's `kubeconfig_raw`: docs/providers.md) whose `token` comes from
`data "aws_eks_cluster_auth"` — directly or through locals, variables, module inputs and outputs,
a connection object in a local, `templatefile()` and `data "template_file"`, splats and
functions such as `one()`, `join()`, `try()` or `element(concat())`.

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
`.tf.json` alike — as the identity of the aws provider the data source is read with
(`--role-arn` with `--external-id` and `--session-name`, `--profile`; see ETA010) — and removes
the data source (wherever it is declared) and the locals that only
carried its token; where the provider already has an exec block, it removes the token, and a
`dynamic "exec"` that is only there when the token is not becomes a plain exec block.
--fix lists, with the reason, what it cannot rewrite: a token that comes in through a module
input or output (the module does not know the cluster), a data source that is not declared in
the module, or one per instance (`count`, `for_each`).

## Ephemeral: what it fixes and what it does not
`ephemeral "aws_eks_cluster_auth"` (AWS provider >= 5.84.0, with Terraform >= 1.10 or
OpenTofu >= 1.11) is never written to the plan file or state, and a saved plan asks for a new
token when it is applied: saved plans and Atlantis applies work. But the token is still minted
once per run, when the provider is configured, and nothing renews it within that run: an apply
that lasts longer than 15 minutes still gets `Unauthorized` from its last requests. exec asks
for a token whenever the old one runs out, so it stays the default fix.

`--fix=ephemeral` switches to the ephemeral resource instead, and only where the configuration
guarantees the versions it needs: every version the `terraform { required_version }`
constraints of the module and its callers admit is at least 1.10 (1.11 where the module has
`.tofu` files, which only OpenTofu reads), and every version `required_providers` admits for
`aws` is at least 5.84.0. Otherwise it lists the finding with the reason. ETA011 notes providers
that use the ephemeral token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from eks_tf_auth.lint import versions
from eks_tf_auth.lint.connections import (
    Connection,
    exclusive_exec,
    tainted_tokens,
)
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable, align_edit, leaves, one_line
from eks_tf_auth.lint.flow import Kind, Taint
from eks_tf_auth.lint.hcl import Attribute, Block
from eks_tf_auth.lint.model import Module, Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity
from eks_tf_auth.lint.rules.eta010_exec_identity import aws_identity
from eks_tf_auth.lint.syntax import CODE, as_hcl, as_json, classify, is_json

ID = "ETA001"
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
EXEC_COMMAND = "eks-tf-auth"
# What `ephemeral "aws_eks_cluster_auth"` needs.
TERRAFORM_EPHEMERAL = versions.parse_version("1.10.0")
OPENTOFU_EPHEMERAL = versions.parse_version("1.11.0")
AWS_EPHEMERAL = versions.parse_version("5.84.0")


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
            where.statement,
        )


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    conn = ctx.connection(finding)
    taint = ctx.flow.of(conn.module, conn.token_refs, Kind.AUTH)
    assert taint is not None  # ETA001 reported it
    if conn.has_exec and ctx.mode != "ephemeral":
        return drop_token(ctx, conn)
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
    return exec_edits(ctx, conn, module, (name.expr, data.path), taint.source)


def drop_token(ctx: FixContext, conn: Connection) -> list[Edit]:
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


def exec_edits(
    ctx: FixContext, conn: Connection, module: Module, name: tuple[str, str], source: str
) -> list[Edit]:
    """The token gives way to an exec block that runs eks-tf-auth for the cluster of the token's
    `source`, as the identity of the aws provider that source is read with (ETA010)."""
    token = conn.token_attribute
    assert token is not None
    path = conn.provider.path
    text = ctx.source(path).text
    region = _region(module)
    who = _identity_flags(ctx.project, conn.module, source)
    if is_json(path):
        args = ['"exec"', '"--cluster-name"', as_json(*name)]
        if region is not None:
            args += ['"--region"', as_json(*region)]
        args += [as_json(e, "hcl") for e in who]
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
    args += who
    indent = " " * (token.column - 1)
    opener = "exec = {" if conn.in_object else "exec {"
    block = (
        f'{opener}\n{indent}  api_version = "{EXEC_API_VERSION}"\n'
        f'{indent}  command     = "{EXEC_COMMAND}"\n'
        f"{indent}  args        = [{', '.join(args)}]\n{indent}}}"
    )
    return [ctx.rewrite(token, path, block), align_edit(conn.provider)]


def _identity_flags(project: Project, directory: str, source: str) -> list[str]:
    """`--role-arn ...` (with `--external-id`, `--session-name`) and `--profile ...` for the aws
    provider `source` is read with, in HCL; none where ETA010 would leave it to a person (a web
    identity, a dynamic role, a provider passed in by a caller)."""
    who = aws_identity(project, directory, source)
    if who is None or who.web_identity or who.dynamic or who.through:
        return []
    pairs = [
        ("--role-arn", who.role),
        ("--external-id", who.external_id if who.role else None),
        ("--session-name", who.session_name if who.role else None),
        ("--profile", who.profile),
    ]
    return [part for flag, value in pairs if value for part in (f'"{flag}"', value)]


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
    refusal = ephemeral_refusal(ctx.project, directory)
    if refusal is not None:
        raise Unfixable(refusal)
    edits = [Edit(data.path, data.start, data.start + 4, Op.REPLACE, "ephemeral")]
    for owner, attr in users:
        if address not in attr.refs:
            continue  # through a local, which is renamed where it reads the data source
        new = attr.expr.replace(address, "ephemeral" + address[4:])
        edits.append(Edit(owner.path, attr.expr_start, attr.end, Op.REPLACE, new))
    return edits


def ephemeral_refusal(project: Project, directory: str) -> str | None:
    """Why the module cannot take `ephemeral "aws_eks_cluster_auth"`: the versions its
    constraints (and its callers', which Terraform intersects) do not guarantee; None where
    they guarantee both the tool and the aws provider versions it needs."""
    modules = _with_callers(project, directory)
    tofu = any(f.path.endswith(".tofu") for d in modules for f in project.modules[d].files)
    tool, floor = ("OpenTofu", OPENTOFU_EPHEMERAL) if tofu else ("Terraform", TERRAFORM_EPHEMERAL)
    cores, providers = [], []
    for d in modules:
        for block in project.modules[d].of_kind("terraform"):
            cores += _constraints(block.attributes.get("required_version"), block.path)
            providers += _constraints(_aws_requirement(block), block.path)
    missing = []
    if not versions.guarantees(cores, floor, exact_prereleases=False):
        missing.append(f'{tool} >= {floor} (required_version = ">= {floor}")')
    if not versions.guarantees(providers, AWS_EPHEMERAL, exact_prereleases=True):
        missing.append(f'the aws provider >= {AWS_EPHEMERAL} (version = ">= {AWS_EPHEMERAL}")')
    if not missing:
        return None
    return (
        f"--fix=ephemeral needs {' and '.join(missing)}, which the version constraints do not "
        "guarantee"
    )


def _with_callers(project: Project, directory: str) -> list[str]:
    found, todo = [directory], [directory]
    while todo:
        child = todo.pop()
        for call in project.calls:
            if call.child == child and call.caller not in found:
                found.append(call.caller)
                todo.append(call.caller)
    return [d for d in found if d in project.modules]


def _aws_requirement(terraform: Block) -> Attribute | None:
    """`required_providers { aws = { version = ... } }` (or `aws = "..."`, the old form)."""
    nested = [b for b in terraform.blocks if b.kind == "required_providers"]
    attrs = [b.attributes for b in nested]
    if (attr := terraform.attributes.get("required_providers")) is not None:
        attrs.append(attr.items)  # .tf.json
    for entries in attrs:
        aws = entries.get("aws")
        if aws is not None:
            return aws.items.get("version") if aws.items else aws
    return None


def _constraints(attr: Attribute | None, path: str) -> list[versions.Constraint]:
    """The constraints a literal string sets; nothing for anything else or a typo."""
    if attr is None:
        return []
    expr = as_hcl(attr.expr, path).strip()
    if not re.fullmatch(r'"[^"\\$%]*"', expr):
        return []
    try:
        return list(versions.parse(expr[1:-1]))
    except ValueError:
        return []


RULE = Rule(ID, "cluster-auth-token", Severity.ERROR, check, __doc__ or "", fix)
