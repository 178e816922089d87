"""## What it does
Flags a Kubernetes, Helm or kubectl provider exec block that gets its token as another AWS
identity than the `aws` provider the cluster is read with.

The exec block runs `aws eks get-token`, `eks-tf-auth exec` or `aws-iam-authenticator token`
(or a `data "external"` runs `eks-tf-auth external` or `aws eks get-token`); the aws provider
assumes a role (`assume_role`, `assume_role_with_web_identity`) or names a `profile`; and the
exec block carries no matching `--role-arn` (`--role` for aws-iam-authenticator) or
`--profile`, and no `AWS_PROFILE` or `AWS_ROLE_ARN` in its `env` — or names a different one.

## Why is this bad?
Terraform reads the cluster (`data "aws_eks_cluster"`, the terraform-aws-eks module) as the
identity its `aws` provider is configured with, but the exec block is a separate process: it
runs as whatever AWS identity the environment has — the CI runner's role, a developer's default
profile. Only the identity that created the cluster, or one mapped in aws-auth or granted an
access entry, is let in; the other one gets `Unauthorized` from the API server although the plan
could read the cluster.

The aws provider is the one the EKS data sources (`data "aws_eks_cluster"`,
`aws_eks_cluster_auth`, a `resource "aws_eks_cluster"`) or the module call the provider's
settings come from use: the default `aws` provider, the alias their `provider = aws.x` (or the
module's `providers = { aws = aws.x }`) names, or, in a child module, the one its caller passes.
Where the exec block names a profile and the provider a role (or the other way round), the
two cannot be compared and nothing is reported.

## Example
    provider "aws" {
      assume_role {
        role_arn = "arn:aws:iam::111122223333:role/terraform"
      }
    }

    provider "kubernetes" {
      host = data.aws_eks_cluster.this.endpoint
      exec {
        api_version = "client.authentication.k8s.io/v1beta1"
        command     = "aws"
        args        = ["eks", "get-token", "--cluster-name", "prod", "--output", "json"]
      }
    }

Use instead the same identity in the exec block:

        args = ["eks", "get-token", "--role-arn", "arn:aws:iam::111122223333:role/terraform",
                "--cluster-name", "prod", "--output", "json"]

`eks-tf-auth lint --fix` copies the role (`--role-arn`; with `eks-tf-auth exec` also
`--external-id` and `--session-name`, which `aws eks get-token` does not take) or the profile
(`--profile`; `env = { AWS_PROFILE = ... }` for aws-iam-authenticator) into the exec arguments,
expressions as expressions. A web identity (`assume_role_with_web_identity`) is copied as
`env = { AWS_ROLE_ARN = ..., AWS_WEB_IDENTITY_TOKEN_FILE = ... }`, which the AWS SDKs read.
--fix lists, with the reason, what it leaves: a different role or profile (which one is right is
yours to say), a role built in a `dynamic "assume_role"` block, an aws provider passed in from a
calling module, an external id with `aws eks get-token`, arguments built by an expression,
`data "external"` queries and `.tf.json` env settings.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from eks_tf_auth.lint.connections import Connection, Where, connections, exec_settings
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable, align_edit
from eks_tf_auth.lint.hcl import Attribute, Block, code
from eks_tf_auth.lint.model import Module, Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity
from eks_tf_auth.lint.syntax import (
    CODE,
    STRING,
    as_hcl,
    as_json,
    classify,
    closing,
    is_json,
    string_literal,
    unwrap,
)

ID = "ETA010"
EKS_TYPES = ("aws_eks_cluster", "aws_eks_cluster_auth")
MAX_CALL_DEPTH = 16  # callers followed up to the root for an inherited aws provider
_ANCHOR = re.compile(
    r"(?<![\w.\-])(?:"
    r"(?P<kind>data|ephemeral)\.(?P<type>aws_eks_cluster(?:_auth)?)\.(?P<name>[A-Za-z_][\w-]*)"
    r"|module\.(?P<module>[A-Za-z_][\w-]*)"
    r"|aws_eks_cluster\.(?P<resource>[A-Za-z_][\w-]*)"
    r"|local\.(?P<local>[A-Za-z_][\w-]*)"
    r")"
)
_PROVIDER_REF = re.compile(r"^aws(?:\.(?P<alias>[A-Za-z_][\w-]*))?$")
_PROVIDERS_ENTRY = re.compile(
    r"(?<![\w.\-])aws(?:\.(?P<child>[A-Za-z_][\w-]*))?\s*=\s*aws(?:\.(?P<parent>[A-Za-z_][\w-]*))?"
)
_LITERAL = re.compile(r'"(?:[^"\\$%]|\\.|\$(?!\{)|%(?!\{))*"')
_SIMPLE = re.compile(r"(?:var|local)\.[A-Za-z_][\w-]*")


class Tool(enum.Enum):
    AWS = "aws eks get-token"
    OURS = "eks-tf-auth exec"
    AUTHENTICATOR = "aws-iam-authenticator token"


SUBCOMMAND = {Tool.AWS: "get-token", Tool.OURS: "exec", Tool.AUTHENTICATOR: "token"}
ROLE_FLAGS = {
    Tool.AWS: ("--role-arn",),
    Tool.OURS: ("--role-arn", "--role"),
    Tool.AUTHENTICATOR: ("--role", "-r"),
}
PROFILE_FLAGS = {Tool.AWS: ("--profile",), Tool.OURS: ("--profile",), Tool.AUTHENTICATOR: ()}


@dataclass(frozen=True)
class Identity:
    """What the aws provider runs as; the settings are HCL expressions."""

    name: str  # provider.aws, provider.aws.prod
    anchor: str  # what ties it to the cluster: data.aws_eks_cluster.this, module.eks, ...
    role: str | None = None
    dynamic: bool = False  # the role is set in a dynamic "assume_role" block
    web_identity: bool = False  # assume_role_with_web_identity
    token_file: str | None = None  # its web_identity_token_file
    external_id: str | None = None
    session_name: str | None = None
    profile: str | None = None
    through: str = ""  # the module call it is passed in by, where it is the caller's

    @property
    def assumes_role(self) -> bool:
        return self.role is not None or self.dynamic

    def describe(self) -> str:
        where = f"{self.anchor}, passed in by {self.through}" if self.through else self.anchor
        if self.dynamic:
            what = "assumes a role set in a dynamic block"
        elif self.role is not None:
            how = " with a web identity" if self.web_identity else ""
            what = f"assumes role {_shown(self.role)}{how}"
        else:
            assert self.profile is not None
            what = f"uses profile {_shown(self.profile)}"
        return f"{self.name} {what} ({where})"


@dataclass(frozen=True)
class ExecIdentity:
    tool: Tool
    args: Attribute
    elements: tuple[str, ...]  # HCL
    role: str | None
    profile: str | None
    env: Attribute | None


@dataclass(frozen=True)
class Mismatch:
    conn: Connection
    block: Block
    where: Where
    aws: Identity
    exec: ExecIdentity
    differs: str  # "": the exec block names no identity; else the one it names

    @property
    def message(self) -> str:
        runs = f"runs as {self.differs}" if self.differs else "runs as the ambient AWS identity"
        return (
            f"{self.conn.name}: exec {runs}, but {self.aws.describe()}; "
            "the cluster may answer Unauthorized"
        )


def check(project: Project) -> Iterator[Finding]:
    for m in mismatches(project):
        yield Finding(m.where.path, m.where.line, m.where.column, ID, m.message, RULE.severity)
    for block, message in _external_mismatches(project):
        yield Finding(block.path, block.line, block.column, ID, message, RULE.severity)


def mismatches(project: Project) -> Iterator[Mismatch]:
    for conn in connections(project):
        module = project.modules[conn.module]
        for where, block in exec_settings(conn):
            found = _exec_identity(block)
            if found is None:
                continue
            anchor = _anchor(module, [*conn.body.all_attributes(), *block.attributes.values()])
            aws = aws_identity(project, conn.module, anchor) if anchor else None
            if aws is not None:
                differs = _compare(module, aws, found.role, found.profile)
                if differs is not None:
                    yield Mismatch(conn, block, where, aws, found, differs)


def _compare(module: Module, aws: Identity, role: str | None, profile: str | None) -> str | None:
    """None where the exec identity (`role`, `profile`) agrees or cannot be compared; "" where
    it names none; else what it names instead."""
    if aws.assumes_role:
        if role is None:
            return None if profile is not None else ""
        if aws.role is None or not _differs(module, aws.role, role):
            return None
        return f"role {_shown(role)}"
    assert aws.profile is not None
    if profile is None:
        return None if role is not None else ""
    if not _differs(module, aws.profile, profile):
        return None
    return f"profile {_shown(profile)}"


def _differs(module: Module, a: str, b: str) -> bool:
    """Whether two expressions name different values: both plain strings, or both a variable or
    local (after following locals), and not the same; anything else is not judged."""
    a, b = _resolve(module, a), _resolve(module, b)
    if a == b:
        return False
    return all(_LITERAL.fullmatch(x) for x in (a, b)) or all(_SIMPLE.fullmatch(x) for x in (a, b))


def _resolve(module: Module, expr: str) -> str:
    seen: set[str] = set()
    expr = " ".join(unwrap(expr).split())
    while (m := re.fullmatch(r"local\.([A-Za-z_][\w-]*)", expr)) and expr not in seen:
        seen.add(expr)
        found = _local(module, m.group(1))
        if found is None:
            break
        expr = " ".join(unwrap(found).split())
    return expr


def _local(module: Module, name: str) -> str | None:
    """A local's expression, in HCL."""
    for block in module.of_kind("locals"):
        if name in block.attributes:
            return as_hcl(block.attributes[name].expr, block.path)
    return None


def _shown(expr: str) -> str:
    return _string(expr) or expr


# --- the exec side ----------------------------------------------------------------------------


def _exec_identity(block: Block) -> ExecIdentity | None:
    """The tool an exec block runs and the identity its arguments and env name; None for any
    other command, or arguments not written out."""
    command, args = block.attributes.get("command"), block.attributes.get("args")
    if command is None or args is None:
        return None
    tool = _tool(_string(as_hcl(command.expr, block.path)))
    elements = _elements(block.path, args)
    if tool is None or elements is None:
        return None
    values = [_string(e) for e in elements]
    if SUBCOMMAND[tool] not in values:
        return None
    env = block.attributes.get("env")
    env_items = {k: as_hcl(v.expr, block.path) for k, v in env.items.items()} if env else {}
    role = _flag(elements, ROLE_FLAGS[tool]) or env_items.get("AWS_ROLE_ARN")
    profile = _flag(elements, PROFILE_FLAGS[tool]) or env_items.get("AWS_PROFILE")
    return ExecIdentity(tool, args, tuple(elements), role, profile, env)


def _tool(command: str | None) -> Tool | None:
    name = os.path.basename(command or "").removesuffix(".exe")
    return {
        "aws": Tool.AWS,
        "eks-tf-auth": Tool.OURS,
        "aws-iam-authenticator": Tool.AUTHENTICATOR,
    }.get(name)


def _string(expr: str) -> str | None:
    """The value of a plain string literal."""
    e = expr.strip()
    return string_literal(e) if _LITERAL.fullmatch(e) else None


def _elements(path: str, args: Attribute) -> list[str] | None:
    """The elements of an argument list written out (`[...]`, or `concat()` of lists), in HCL."""
    if is_json(path):
        value = json.loads(args.expr)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        return [as_hcl(json.dumps(v), path) for v in value]
    return _list_elements(unwrap(args.expr))


def _list_elements(expr: str) -> list[str] | None:
    kinds = classify(expr)
    if expr.startswith("[") and closing(expr, 0, kinds) == len(expr) - 1:
        return [e for e in _split(expr[1:-1]) if e]
    m = re.match(r"concat\s*\(", expr)
    if m and closing(expr, m.end() - 1, kinds) == len(expr) - 1:
        out: list[str] = []
        for part in _split(expr[m.end() : -1]):
            inner = _list_elements(unwrap(part)) if part else []
            if inner is None:
                return None
            out += inner
        return out
    return None


def _split(text: str) -> list[str]:
    """Top-level comma-separated parts, without comments."""
    kinds = classify(text)
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if kinds[i] != CODE:
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append((start, i))
            start = i + 1
    parts.append((start, len(text)))
    return [_strip_comments(text[s:e], kinds[s:e]) for s, e in parts]


def _strip_comments(text: str, kinds: str) -> str:
    return "".join(c for c, k in zip(text, kinds, strict=True) if k != "m").strip()


def _flag(elements: Sequence[str], flags: Sequence[str]) -> str | None:
    for i, element in enumerate(elements):
        value = _string(element)
        if value is None:
            continue
        if value in flags and i + 1 < len(elements):
            return elements[i + 1]
        for flag in flags:
            if value.startswith(flag + "="):
                return json.dumps(value[len(flag) + 1 :])
    return None


# --- the aws provider -------------------------------------------------------------------------


def _anchor(module: Module, attrs: Sequence[Attribute]) -> str | None:
    """What ties the provider to its cluster: the first EKS data source, cluster resource or
    module call its settings (through locals too) refer to."""
    seen: set[str] = set()
    todo = [a.expr for a in attrs]
    while todo:
        for m in _ANCHOR.finditer(code(todo.pop(0))):
            if m["local"]:
                if m["local"] not in seen and (local := _local(module, m["local"])) is not None:
                    seen.add(m["local"])
                    todo.append(local)
            elif m["module"]:
                if next(module.of_kind("module", m["module"]), None) is not None:
                    return f"module.{m['module']}"
            elif m["resource"]:
                return f"aws_eks_cluster.{m['resource']}"
            else:
                return f"{m['kind']}.{m['type']}.{m['name']}"
    return None


def aws_identity(project: Project, directory: str, anchor: str) -> Identity | None:
    """The identity of the aws provider that `anchor` (in module `directory`) is read with."""
    alias = _alias_of(project.modules[directory], anchor)
    return _provider_identity(project, directory, alias, anchor, "", 0)


def _alias_of(module: Module, anchor: str) -> str:
    """The aws provider alias an anchor uses ("" for the default)."""
    if anchor.startswith("module."):
        call = next(module.of_kind("module", anchor.split(".")[1]))
        return _passed(call).get("", "")
    resource = anchor.startswith("aws_eks_cluster.")
    block = module.block(f"resource.{anchor}" if resource else anchor)
    provider = block.attributes.get("provider") if block else None
    if provider is None or block is None:
        return ""
    m = _PROVIDER_REF.fullmatch(as_hcl(provider.expr, block.path).strip())
    return (m["alias"] or "") if m else ""


def _passed(call: Block) -> dict[str, str]:
    """A module call's `providers = { aws = aws.x, aws.y = aws }`: child alias -> caller alias
    ("" for the default)."""
    providers = call.attributes.get("providers")
    if providers is None:
        return {}
    text = code(as_hcl(providers.expr, call.path))
    return {m["child"] or "": m["parent"] or "" for m in _PROVIDERS_ENTRY.finditer(text)}


def _provider_identity(
    project: Project, directory: str, alias: str, anchor: str, through: str, depth: int
) -> Identity | None:
    module = project.modules[directory]
    for provider in module.of_kind("provider", "aws"):
        own = provider.attributes.get("alias")
        if (_string(as_hcl(own.expr, provider.path)) if own else "") == alias:
            return _identity(provider, anchor, through)
    if depth >= MAX_CALL_DEPTH:
        return None
    for call in project.calls:  # not configured here: passed in, or inherited, by a caller
        if call.child != directory or call.caller not in project.modules:
            continue
        passed = _passed(call.block)  # without `providers`, only the default is inherited
        parent = passed.get(alias) if passed else ("" if alias == "" else None)
        if parent is None:
            continue
        name = f"module.{call.block.labels[0]}" if call.block.labels else "module"
        found = _provider_identity(project, call.caller, parent, anchor, through or name, depth + 1)
        if found is not None:
            return found
    return None


def _identity(provider: Block, anchor: str, through: str) -> Identity | None:
    alias = provider.attributes.get("alias")
    name = "provider.aws" + (f".{_string(as_hcl(alias.expr, provider.path))}" if alias else "")

    def value(attrs: Mapping[str, Attribute], key: str) -> str | None:
        attr = attrs.get(key)
        return as_hcl(attr.expr, provider.path) if attr is not None else None

    profile = value(provider.attributes, "profile")
    for kind, web in (("assume_role_with_web_identity", True), ("assume_role", False)):
        settings = _settings(provider, kind)
        if settings is None:
            continue
        role = value(settings, "role_arn")
        return Identity(
            name,
            anchor,
            role,
            dynamic=role is None,
            web_identity=web,
            token_file=value(settings, "web_identity_token_file"),
            external_id=value(settings, "external_id"),
            session_name=value(settings, "session_name"),
            profile=profile,
            through=through,
        )
    if profile is None:
        return None
    return Identity(name, anchor, profile=profile, through=through)


def _settings(provider: Block, kind: str) -> dict[str, Attribute] | None:
    """The last `kind` block's arguments (assume_role may be repeated to chain roles), an
    object attribute's elements (.tf.json), or {} for a dynamic block of that name."""
    blocks = [b for b in provider.blocks if b.kind == kind]
    if blocks:
        return dict(blocks[-1].attributes)
    attr = provider.attributes.get(kind)
    if attr is not None and attr.items:
        return dict(attr.items)
    if any(b.kind == "dynamic" and b.labels[:1] == (kind,) for b in provider.blocks):
        return {}
    return None


# --- data "external" --------------------------------------------------------------------------


def _external_mismatches(project: Project) -> Iterator[tuple[Block, str]]:
    for directory, module in project.modules.items():
        for block in module.of_kind("data", "external"):
            found = _external_identity(block)
            if found is None:
                continue
            anchor = _anchor(module, list(block.attributes.values())) or _module_anchor(module)
            aws = aws_identity(project, directory, anchor) if anchor else None
            differs = _compare(module, aws, *found) if aws else None
            if aws is not None and differs is not None:
                runs = f"runs as {differs}" if differs else "runs as the ambient AWS identity"
                yield (
                    block,
                    f"{block.address}: its program {runs}, but {aws.describe()}; "
                    "the cluster may answer Unauthorized",
                )


def _external_identity(block: Block) -> tuple[str | None, str | None] | None:
    """(role, profile) of a data "external" that runs eks-tf-auth external (its query) or
    aws eks get-token (its arguments); None for any other program."""
    program = block.attributes.get("program")
    elements = _elements(block.path, program) if program else None
    if not elements:
        return None
    values = [_string(e) for e in elements]
    if _tool(values[0]) is Tool.OURS and "external" in values:
        query = block.attributes.get("query")
        items = query.items if query else {}
        role, profile = (items.get(k) for k in ("role_arn", "profile"))
        return (
            as_hcl(role.expr, block.path) if role else None,
            as_hcl(profile.expr, block.path) if profile else None,
        )
    if _tool(values[0]) is Tool.AWS and "get-token" in values:
        return _flag(elements, ROLE_FLAGS[Tool.AWS]), _flag(elements, PROFILE_FLAGS[Tool.AWS])
    return None


def _module_anchor(module: Module) -> str | None:
    for block in module.of_kind("data"):
        if block.labels[:1] and block.labels[0] in EKS_TYPES:
            return block.address
    return None


# --- --fix ------------------------------------------------------------------------------------


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    at = Where(finding.path, finding.line, finding.column)
    m = next((m for m in mismatches(ctx.project) if m.where == at), None)
    if m is None:
        raise Unfixable('a data "external" query: add role_arn or profile to it by hand')
    if "!" in m.conn.module:
        raise Unfixable("inside a saved plan: fix the configuration and plan again")
    aws, found = m.aws, m.exec
    if m.differs:
        raise Unfixable(
            f"the exec block names {m.differs}: which identity is right is yours to say"
        )
    if aws.through:
        raise Unfixable(
            f"{aws.name} is passed in by {aws.through}: copy its identity into the exec "
            "block by hand"
        )
    if aws.dynamic:
        raise Unfixable(f"{aws.name} sets its role in a dynamic block: copy it by hand")
    values = [v for v in (aws.role, aws.external_id, aws.session_name, aws.profile) if v]
    if any(re.search(r"\b(?:each|count)\.", v) for v in values):
        raise Unfixable(f"{aws.name}'s identity depends on its instance: copy it by hand")
    if aws.web_identity:
        return _env_edit(m, _web_env(aws))
    flags: list[tuple[str, str]] = []
    if aws.role is not None:
        flags.append((ROLE_FLAGS[found.tool][0], aws.role))
        if aws.external_id is not None and found.tool is not Tool.OURS:
            raise Unfixable(
                f"{found.tool.value} takes no external id: run eks-tf-auth exec "
                "(--external-id) instead"
            )
        if found.tool is Tool.OURS:
            flags += [("--external-id", aws.external_id)] if aws.external_id else []
            flags += [("--session-name", aws.session_name)] if aws.session_name else []
    if aws.profile is not None and found.profile is None:
        if found.tool is Tool.AUTHENTICATOR:
            if flags:
                raise Unfixable(
                    "aws-iam-authenticator takes the profile from env: set both by hand"
                )
            return _env_edit(m, [("AWS_PROFILE", aws.profile)])
        flags.append(("--profile", aws.profile))
    return [_insert_flags(m, flags)]


def _web_env(aws: Identity) -> list[tuple[str, str]]:
    assert aws.role is not None
    if aws.token_file is None:
        raise Unfixable(
            f"{aws.name} is given its web identity token inline: give the exec block "
            "AWS_WEB_IDENTITY_TOKEN_FILE by hand"
        )
    env = [("AWS_ROLE_ARN", aws.role), ("AWS_WEB_IDENTITY_TOKEN_FILE", aws.token_file)]
    if aws.session_name is not None:
        env.append(("AWS_ROLE_SESSION_NAME", aws.session_name))
    return env


def _insert_flags(m: Mismatch, flags: Sequence[tuple[str, str]]) -> Edit:
    """The flags, right after the subcommand (`"get-token"`, `"exec"`, `"token"`)."""
    args, path = m.exec.args, m.block.path
    sub = json.dumps(SUBCOMMAND[m.exec.tool])
    kinds = classify(args.expr)
    starts = [
        i
        for i in range(1, len(args.expr))
        if args.expr.startswith(sub, i) and kinds[i] == STRING and kinds[i - 1] != STRING
    ]
    if not starts:
        raise Unfixable(f"{sub} is not written out in args: add the identity by hand")
    json_syntax = is_json(path)
    parts = [
        part
        for flag, value in flags
        for part in (json.dumps(flag), as_json(value, "hcl") if json_syntax else value)
    ]
    at = args.expr_start + starts[0] + len(sub)
    return Edit(path, at, at, Op.REPLACE, ", " + ", ".join(parts))


def _env_edit(m: Mismatch, env: Sequence[tuple[str, str]]) -> list[Edit]:
    block, path = m.block, m.block.path
    if m.exec.env is not None:
        raise Unfixable(
            f"the exec block already sets env: add {', '.join(k for k, _ in env)} to it by hand"
        )
    if is_json(path):
        raise Unfixable("--fix does not add env to an exec block in .tf.json")
    args = m.exec.args
    indent = " " * (args.column - 1)
    items = ", ".join(f"{k} = {v}" for k, v in env)
    text = f"\n{indent}env = {{ {items} }}"
    return [Edit(path, args.end, args.end, Op.REPLACE, text), align_edit(block)]


RULE = Rule(ID, "exec-identity", Severity.WARNING, check, __doc__ or "", fix)
