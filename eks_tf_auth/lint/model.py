"""What lint has read, as the rules see it: the parsed modules and the calls between them, the
tokens found in plans, and the files that could not be read. Plain data: loader.py and plans.py
fill it in, flow.py and the rules read it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from eks_tf_auth import token
from eks_tf_auth.lint.hcl import Block, SourceFile


@dataclass
class Module:
    directory: str  # a saved plan's snapshot modules are "<plan>!<module key>", a pipe's "<name>!"
    files: list[SourceFile] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)  # files that could not be parsed

    @property
    def blocks(self) -> Iterator[Block]:
        for f in self.files:
            yield from f.blocks

    def of_kind(self, kind: str, *first_labels: str) -> Iterator[Block]:
        for b in self.blocks:
            if b.kind == kind and (not first_labels or b.labels[:1] == first_labels):
                yield b

    def block(self, address: str) -> Block | None:
        """The block at an address such as data.aws_eks_cluster_auth.this (ignoring an index)."""
        kind, *labels = address.split("[", 1)[0].split(".")
        return next((b for b in self.blocks if (b.kind, *b.labels) == (kind, *labels)), None)


@dataclass(frozen=True)
class ModuleCall:
    caller: str  # directory
    block: Block
    child: str  # directory


@dataclass(frozen=True)
class PlanToken:
    path: str
    address: str
    minted: datetime | None

    @property
    def expires(self) -> datetime | None:
        return self.minted + token.TOKEN_VALIDITY if self.minted else None


@dataclass(frozen=True, order=True)
class Problem:
    """A file that could not be read or parsed; the rest is still linted (exit 2)."""

    path: str
    line: int
    column: int
    message: str

    def __post_init__(self) -> None:  # one line, whatever a parser or the OS said
        object.__setattr__(self, "message", " ".join(self.message.split()))


@dataclass
class Project:
    modules: dict[str, Module] = field(default_factory=dict)
    calls: list[ModuleCall] = field(default_factory=list)
    plan_tokens: list[PlanToken] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)  # for suppression comments
    # Files read only because a file given by name lives beside them: they complete its module
    # (a data source declared in data.tf for the provider in providers.tf), but their own
    # findings are not reported.
    context: set[str] = field(default_factory=set)
