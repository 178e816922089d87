"""Where plan-time tokens flow: from `data.aws_eks_cluster_auth` (and `data.external`) through
locals, module inputs and module outputs, and through templates (`data "template_file"`, whose
`rendered` text holds what its `vars` do), to a fixpoint over every module lint read.

A value is *tainted* when its expression references a source or a tainted symbol; a taint
remembers the source it came from and the first path by which it arrived, for the message.
`ephemeral.aws_eks_cluster_auth` is a source of its own kind (`Kind.EPHEMERAL`, for ETA011): its
token is minted once per run and not renewed within it.
`Flow.site` says where in an expression the tainted reference is, so that a finding points at the
token's own line rather than where a long expression starts.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from eks_tf_auth.lint.hcl import Attribute
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.syntax import COMMENT, STRING, classify

AUTH_TYPE = "aws_eks_cluster_auth"
EXTERNAL_TYPE = "external"
# Module-call arguments that are meta-arguments, not inputs.
META_ARGUMENTS = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
# Data sources that render a template from their arguments: data.<type>.<name>.rendered holds
# whatever the arguments (`vars`) hold.
TEMPLATE_TYPES = frozenset({"template_file"})


class Kind(enum.Enum):
    AUTH = "data.aws_eks_cluster_auth"
    EXTERNAL = 'data "external"'
    EPHEMERAL = "ephemeral.aws_eks_cluster_auth"  # minted per run, not renewed within it


@dataclass(frozen=True)
class Taint:
    kind: Kind
    source: str  # e.g. data.aws_eks_cluster_auth.this (in its own module)
    via: tuple[str, ...] = ()  # e.g. (local.token, var.token)

    def describe(self) -> str:
        path = "".join(f" via {step}" for step in self.via)
        return f"{self.source}{path}"


class Flow:
    def __init__(self, project: Project) -> None:
        self._taint: dict[tuple[str, str], Taint] = {}
        self._project = project
        self._solve()

    def of(self, module: str, refs: Iterable[str], kind: Kind | None = None) -> Taint | None:
        """The first taint among `refs` in `module` (of `kind`, if given)."""
        found = self.first(module, refs, kind)
        return found[1] if found else None

    def first(
        self, module: str, refs: Iterable[str], kind: Kind | None = None
    ) -> tuple[str, Taint] | None:
        """The first reference among `refs` in `module` that carries a taint (of `kind`, if
        given), with its taint."""
        for ref in refs:
            taint = self._lookup(module, ref)
            if taint is not None and (kind is None or taint.kind is kind):
                return ref, taint
        return None

    def site(
        self, module: str, path: str, attr: Attribute, kind: Kind | None = None
    ) -> tuple[int, int]:
        """Where a finding about `attr` points: the attribute itself where its first tainted
        reference is on its first line (or none is), else that reference (line, column)."""
        found = self.first(module, attr.refs, kind)
        text = self._text(path)
        offset = reference_offset(attr.expr, found[0]) if found and text is not None else None
        if text is None or offset is None:
            return attr.line, attr.column
        at = attr.expr_start + offset
        line_start = text.rfind("\n", 0, at) + 1
        if line_start <= attr.start:
            return attr.line, attr.column
        return text.count("\n", 0, at) + 1, at - line_start + 1

    def _text(self, path: str) -> str | None:
        files = (f for m in self._project.modules.values() for f in m.files if f.path == path)
        return next((f.text for f in files), None)

    def symbols(self, module: str) -> set[str]:
        """The tainted symbols of a module (local.x, var.x, module.m.out, data.template_file.x)."""
        return {symbol for (m, symbol) in self._taint if m == module}

    def _lookup(self, module: str, ref: str) -> Taint | None:
        parts = ref.split(".")
        if parts[:2] == ["ephemeral", AUTH_TYPE] and len(parts) >= 3:
            return Taint(Kind.EPHEMERAL, ".".join(parts[:3]))
        if parts[0] == "data" and len(parts) >= 3:
            if parts[1] == AUTH_TYPE:
                return Taint(Kind.AUTH, ".".join(parts[:3]))
            if parts[1] == EXTERNAL_TYPE:
                return Taint(Kind.EXTERNAL, ".".join(parts[:3]))
            return self._taint.get((module, ".".join(parts[:3])))  # a template
        if parts[0] == "module" and len(parts) == 2:  # the whole module object
            prefix = f"module.{parts[1]}."
            return next(
                (
                    t
                    for (m, s), t in sorted(self._taint.items(), key=lambda kv: kv[0])
                    if m == module and s.startswith(prefix)
                ),
                None,
            )
        return self._taint.get((module, ref))

    def _set(self, module: str, symbol: str, taint: Taint) -> bool:
        if (module, symbol) in self._taint:
            return False
        self._taint[(module, symbol)] = Taint(taint.kind, taint.source, (*taint.via, symbol))
        return True

    def _solve(self) -> None:
        changed = True
        while changed:
            changed = False
            for directory, module in self._project.modules.items():
                for block in module.of_kind("locals"):
                    for attr in block.attributes.values():
                        if (t := self.of(directory, attr.refs)) is not None:
                            changed |= self._set(directory, f"local.{attr.name}", t)
                for block in module.of_kind("data"):
                    if block.labels[:1] and block.labels[0] in TEMPLATE_TYPES:
                        refs = [r for a in block.all_attributes() for r in a.refs]
                        if (t := self.of(directory, refs)) is not None:
                            changed |= self._set(directory, block.address, t)
            for call in self._project.calls:
                name = call.block.labels[0] if call.block.labels else ""
                for attr in call.block.attributes.values():
                    if attr.name in META_ARGUMENTS:
                        continue
                    if (t := self.of(call.caller, attr.refs)) is not None:
                        changed |= self._set(call.child, f"var.{attr.name}", t)
                child = self._project.modules.get(call.child)
                for output in child.of_kind("output") if child else ():
                    value = output.attributes.get("value")
                    if value and (t := self.of(call.child, value.refs)) is not None:
                        changed |= self._set(call.caller, f"module.{name}.{output.labels[0]}", t)


def reference_offset(expr: str, ref: str) -> int | None:
    """The offset in an expression's text of the first use of a reference as code: not in a
    comment, and in a string only inside a `${...}` interpolation."""
    kinds = classify(expr)
    pattern = re.compile(rf"(?<![\w.\-]){re.escape(ref)}(?![\w-])")
    for m in pattern.finditer(expr):
        at = m.start()
        if kinds[at] == COMMENT:
            continue
        if kinds[at] == STRING:
            start = at
            while start > 0 and kinds[start - 1] == STRING:
                start -= 1
            before = expr[start:at]
            if before.rfind("${") <= before.rfind("}"):
                continue
        return at
    return None
