"""Where plan-time tokens flow: from `data.aws_eks_cluster_auth` (and `data.external`) through
locals, module inputs and module outputs, to a fixpoint over every module lint read.

A value is *tainted* when its expression references a source or a tainted symbol; a taint
remembers the source it came from and the first path by which it arrived, for the message.
`ephemeral.aws_eks_cluster_auth` is a source of its own kind (`Kind.EPHEMERAL`, for ETA011): its
token is minted once per run and not renewed within it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from eks_tf_auth.lint.model import Project

AUTH_TYPE = "aws_eks_cluster_auth"
EXTERNAL_TYPE = "external"
# Module-call arguments that are meta-arguments, not inputs.
META_ARGUMENTS = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})


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
        for ref in refs:
            taint = self._lookup(module, ref)
            if taint is not None and (kind is None or taint.kind is kind):
                return taint
        return None

    def symbols(self, module: str) -> set[str]:
        """The tainted symbols of a module (local.x, var.x, module.m.out)."""
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
            return None
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
