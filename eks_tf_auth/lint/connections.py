"""The cluster connections that Terraform's Kubernetes providers configure: the kubernetes and
kubectl providers themselves, and the helm provider's `kubernetes` block (2.x) or attribute (3.x),
each with its token, exec and CA settings.

helm 3.x's `kubernetes = { ... }` and `exec = { ... }` are object constructors; where they are
written out (not built by a function), their elements are read like a block's attributes, with
their own positions, so that rules and --fix treat both syntaxes alike."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from eks_tf_auth.lint.flow import Flow, Kind, Taint
from eks_tf_auth.lint.hcl import Attribute, Block, references
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.syntax import as_hcl, split_conditional, unwrap

KUBE_PROVIDERS = ("kubernetes", "helm", "kubectl")
# A kubernetes attribute that is not an object constructor (merge(...), a local): its text only.
_OBJECT_TOKEN = re.compile(r"(?m)(?:^|[{,])\s*token\s*=\s*(?P<value>[^\n,}]+)")
_OBJECT_EXEC = re.compile(r"(?m)(?:^|[{,])\s*exec\s*=")
_EMPTY = re.compile(r"\[\s*\]|\{\s*\}|(?:toset|tolist|tomap)\(\s*(?:\[\s*\]|\{\s*\})\s*\)")
_Predicate = Callable[[str], bool]


@dataclass(frozen=True)
class Where:
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class Connection:
    module: str  # the module's directory
    provider: Block
    body: Block  # what holds the settings: the provider, helm's kubernetes block or object
    token: Where | None  # where `token` is set, if it is
    token_expr: str
    token_refs: tuple[str, ...]
    token_attribute: Attribute | None  # None where the token is only found in text
    exec_blocks: tuple[Block, ...]  # exec { }, exec = { } and dynamic "exec" { content { } }
    dynamic_exec: tuple[Block, ...]  # the dynamic "exec" blocks themselves
    exec_attribute: Attribute | None  # exec = something that is not an object constructor
    in_object: bool = False  # body is helm 3.x's object constructor

    @property
    def name(self) -> str:
        alias = self.provider.attributes.get("alias")
        label = self.provider.labels[0] if self.provider.labels else "?"
        suffix = f".{alias.expr.strip(chr(34))}" if alias else ""
        return f"provider.{label}{suffix}"

    @property
    def has_exec(self) -> bool:
        return bool(self.exec_blocks) or self.exec_attribute is not None

    @property
    def ca(self) -> Attribute | None:
        return self.body.attributes.get("cluster_ca_certificate")


def connections(project: Project) -> Iterator[Connection]:
    for directory, module in project.modules.items():
        for provider in module.of_kind("provider"):
            kind = provider.labels[0] if provider.labels else ""
            if kind not in KUBE_PROVIDERS:
                continue
            if kind != "helm":
                yield _connection(directory, provider, provider)
                continue
            for nested in provider.blocks:
                if nested.kind == "kubernetes":
                    yield _connection(directory, provider, nested)
            if (attr := provider.attributes.get("kubernetes")) is not None:
                if attr.items:
                    body = object_block(provider.path, attr)
                    yield _connection(directory, provider, body, in_object=True)
                else:
                    yield _text_connection(directory, provider, attr)


def object_block(path: str, attr: Attribute) -> Block:
    """An object constructor (`kubernetes = { ... }`) seen as a block of its elements; its
    `exec = { ... }` element, if it is one, as a nested block."""
    nested = tuple(
        object_block(path, item)
        for name, item in attr.items.items()
        if name == "exec" and item.items
    )
    attributes = {n: a for n, a in attr.items.items() if not (n == "exec" and a.items)}
    return Block(
        path, attr.name, (), attr.line, attr.column, attr.start, attr.end, attributes, nested
    )


def _connection(
    directory: str, provider: Block, body: Block, *, in_object: bool = False
) -> Connection:
    token = body.attributes.get("token")
    where = Where(provider.path, token.line, token.column) if token else None
    dynamic = tuple(b for b in body.blocks if b.kind == "dynamic" and b.labels[:1] == ("exec",))
    execs = [b for b in body.blocks if b.kind == "exec"]
    execs += [c for d in dynamic for c in d.blocks if c.kind == "content"]
    return Connection(
        directory,
        provider,
        body,
        where,
        token.expr if token else "",
        token.refs if token else (),
        token,
        tuple(execs),
        dynamic,
        body.attributes.get("exec"),
        in_object,
    )


def _text_connection(directory: str, provider: Block, attr: Attribute) -> Connection:
    """helm 3.x with `kubernetes = <not an object constructor>`: the token is found in its text."""
    match = _OBJECT_TOKEN.search(attr.expr)
    where: Where | None = None
    expr, refs = "", tuple[str, ...]()
    if match:
        line = attr.line + attr.expr.count("\n", 0, match.start("value"))
        where = Where(provider.path, line, 1)
        expr, refs = match.group("value").strip(), references(match.group("value"))
    exec_attr = attr if _OBJECT_EXEC.search(attr.expr) else None
    body = Block(provider.path, "kubernetes", (), attr.line, attr.column, attr.start, attr.end)
    return Connection(directory, provider, body, where, expr, refs, None, (), (), exec_attr)


def exec_settings(conn: Connection) -> Iterator[tuple[Where, Block]]:
    """Each exec configuration of a connection that is written out, with where it starts."""
    for block in conn.exec_blocks:
        yield Where(block.path, block.line, block.column), block


def exclusive_exec(conn: Connection) -> Block | None:
    """The `dynamic "exec"` block that never coexists with the token: `token = C ? null : T`
    beside `dynamic "exec" { for_each = C ? [1] : [] }` (or either one negated), so that exactly
    one of them is set whatever C is. None where there is no such pair."""
    token = conn.token_attribute
    if token is None or len(conn.dynamic_exec) != 1 or len(conn.exec_blocks) != 1:
        return None
    dynamic, path = conn.dynamic_exec[0], conn.provider.path
    for_each = dynamic.attributes.get("for_each")
    token_when = _when(as_hcl(token.expr, path), lambda branch: branch != "null")
    exec_when = (
        _when(as_hcl(for_each.expr, path), lambda b: not _EMPTY.fullmatch(b)) if for_each else None
    )
    if token_when is None or exec_when is None:
        return None
    (token_atom, token_set), (exec_atom, exec_set) = token_when, exec_when
    return dynamic if token_atom == exec_atom and token_set != exec_set else None


def _when(expr: str, present: _Predicate) -> tuple[str, bool] | None:
    """For `C ? A : B` where exactly one branch is `present`: (C without `!`, whether the
    present branch is taken when that is true)."""
    parts = split_conditional(expr)
    if parts is None:
        return None
    condition, yes, no = (unwrap(p) for p in parts)
    if present(yes) == present(no):
        return None
    positive = True
    while condition.startswith("!"):
        condition, positive = unwrap(condition[1:]), not positive
    return " ".join(condition.split()), positive == present(yes)


def with_token_at(project: Project, where: Where) -> Connection | None:
    """The connection whose token is set at `where` (a finding's position)."""
    return next((c for c in connections(project) if c.token == where), None)


def tainted_tokens(project: Project, kind: Kind) -> Iterator[tuple[Connection, Where, Taint]]:
    """Connections whose token comes from a source of `kind` (ETA001, ETA006)."""
    flow = Flow(project)
    for conn in connections(project):
        taint = flow.of(conn.module, conn.token_refs, kind)
        if conn.token is not None and taint is not None:
            yield conn, conn.token, taint
