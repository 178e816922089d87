"""The cluster connections that Terraform's Kubernetes providers configure: the kubernetes and
kubectl providers themselves, and the helm provider's `kubernetes` block (2.x) or attribute (3.x),
each with its token and exec settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from eks_tf_auth.lint.flow import Flow, Kind, Taint
from eks_tf_auth.lint.hcl import Attribute, Block, references
from eks_tf_auth.lint.model import Project

KUBE_PROVIDERS = ("kubernetes", "helm", "kubectl")
_OBJECT_TOKEN = re.compile(r"(?m)(?:^|[{,])\s*token\s*=\s*(?P<value>[^\n,}]+)")
_OBJECT_EXEC = re.compile(r"(?m)(?:^|[{,])\s*exec\s*=\s*\{")


@dataclass(frozen=True)
class Where:
    path: str
    line: int
    column: int


@dataclass(frozen=True)
class Connection:
    module: str  # the module's directory
    provider: Block
    token: Where | None  # where `token` is set, if it is
    token_expr: str
    token_refs: tuple[str, ...]
    exec_blocks: tuple[Block, ...]  # exec { } and dynamic "exec" { content { } }
    exec_attribute: Attribute | None  # exec = { ... } (helm 3.x)

    @property
    def name(self) -> str:
        alias = self.provider.attributes.get("alias")
        label = self.provider.labels[0] if self.provider.labels else "?"
        suffix = f".{alias.expr.strip(chr(34))}" if alias else ""
        return f"provider.{label}{suffix}"

    @property
    def has_exec(self) -> bool:
        return bool(self.exec_blocks) or self.exec_attribute is not None


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
                yield _object_connection(directory, provider, attr)


def _connection(directory: str, provider: Block, body: Block) -> Connection:
    token = body.attributes.get("token")
    where = Where(provider.path, token.line, token.column) if token else None
    return Connection(
        directory,
        provider,
        where,
        token.expr if token else "",
        token.refs if token else (),
        tuple(_exec_blocks(body)),
        body.attributes.get("exec"),
    )


def _exec_blocks(body: Block) -> Iterator[Block]:
    for b in body.blocks:
        if b.kind == "exec":
            yield b
        elif b.kind == "dynamic" and b.labels[:1] == ("exec",):
            yield from (c for c in b.blocks if c.kind == "content")


def _object_connection(directory: str, provider: Block, attr: Attribute) -> Connection:
    """helm 3.x: `kubernetes = { token = ..., exec = { ... } }`."""
    match = _OBJECT_TOKEN.search(attr.expr)
    where: Where | None = None
    expr, refs = "", tuple[str, ...]()
    if match:
        line = attr.line + attr.expr.count("\n", 0, match.start("value"))
        where = Where(provider.path, line, 1)
        expr, refs = match.group("value").strip(), references(match.group("value"))
    exec_attr = attr if _OBJECT_EXEC.search(attr.expr) else None
    return Connection(directory, provider, where, expr, refs, (), exec_attr)


def exec_settings(conn: Connection) -> Iterator[tuple[Where, dict[str, str]]]:
    """Each exec configuration of a connection as {attribute: expression text}."""
    for block in conn.exec_blocks:
        values = {name: a.expr for name, a in block.attributes.items()}
        yield Where(block.path, block.line, block.column), values
    if conn.exec_attribute is not None:
        text = conn.exec_attribute.expr
        start = _OBJECT_EXEC.search(text)
        assert start is not None  # exec_attribute is set only where this matched
        body = text[start.end() :]
        values = dict(re.findall(r"(?m)^\s*(\w+)\s*=\s*(.+?)\s*$", body.split("}", 1)[0]))
        at = start.start() + start.group(0).index("exec")
        line = conn.exec_attribute.line + text.count("\n", 0, at)
        yield Where(conn.provider.path, line, 1), values


def tainted_tokens(project: Project, kind: Kind) -> Iterator[tuple[Connection, Where, Taint]]:
    """Connections whose token comes from a source of `kind` (ETA001, ETA006)."""
    flow = Flow(project)
    for conn in connections(project):
        taint = flow.of(conn.module, conn.token_refs, kind)
        if conn.token is not None and taint is not None:
            yield conn, conn.token, taint
