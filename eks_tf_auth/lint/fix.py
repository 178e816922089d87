"""`lint --fix`: resolve each finding that a rule knows how to fix, in the source text, and say
why each other one is left. A rule's fixer (`Rule.fix`, in its own file) returns the edits for one
finding or raises `Unfixable` with the reason; what the fixes leave unused — a
`data "aws_eks_cluster_auth"` and the locals that only carried its token, wherever in the module
they are declared — is removed after them. Edits keep every other byte and comment, and the
edited blocks are re-aligned as `terraform fmt` aligns them (edits.py). Running it twice changes
nothing the second time.

Only the findings lint reports are fixed: those of the rules selected, not suppressed, and not in
a file read only for context (a file given by name brings its module along; the removal of a data
source it no longer needs still reaches into the file that declares it)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eks_tf_auth.errors import InputError
from eks_tf_auth.lint import engine
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable, align_edit, apply
from eks_tf_auth.lint.edits import leaves as leaves_of
from eks_tf_auth.lint.flow import AUTH_TYPE, Kind
from eks_tf_auth.lint.hcl import Attribute, Block
from eks_tf_auth.lint.loader import is_stream, load
from eks_tf_auth.lint.model import Module, Problem
from eks_tf_auth.lint.rule import DEFAULT_FAIL_ON, Finding, Severity
from eks_tf_auth.lint.rules import BY_ID
from eks_tf_auth.lint.syntax import is_json

MODES = ("exec", "ephemeral")  # --fix=MODE: exec blocks (the default), or the ephemeral data source


@dataclass(frozen=True)
class Change:
    path: Path
    old: str
    new: str

    @property
    def diff(self) -> str:
        name = self.path.as_posix()
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        return "".join(lines)


@dataclass(frozen=True)
class Unfixed:
    finding: Finding
    reason: str

    def __str__(self) -> str:
        f = self.finding
        return f"{f.path}:{f.line}:{f.column}: {f.rule_id} not fixed: {self.reason}"


@dataclass(frozen=True)
class Fixes:
    changes: tuple[Change, ...]
    fixed: tuple[Finding, ...]
    unfixed: tuple[Unfixed, ...]
    problems: tuple[Problem, ...]  # files that could not be read or parsed
    fail_on: Severity = DEFAULT_FAIL_ON

    @property
    def exit_code(self) -> int:
        """2 where a file could not be read, else 1 where a finding at or above --fail-on is
        left, as lint's own exit code."""
        if self.problems:
            return 2
        return 1 if any(u.finding.severity.at_least(self.fail_on) for u in self.unfixed) else 0


def fix(
    paths: Sequence[Path],
    *,
    mode: str = MODES[0],
    selection: engine.Selection | None = None,
    cwd: Path | None = None,
) -> Fixes:
    for given in paths:
        if is_stream(given):
            raise InputError(
                f"--fix rewrites files, and {given} is not a file or directory",
                hint="lint standard input and pipes without --fix",
            )
    selection = selection or engine.Selection()
    project = load(paths, cwd=cwd, constraints=mode == "ephemeral")
    ctx = FixContext(project, mode)
    edits: list[Edit] = []
    fixed: list[Finding] = []
    unfixed: list[Unfixed] = []
    for finding in engine.check(project, selection.rules()):
        rule = BY_ID[finding.rule_id]
        try:
            if rule.fix is None:
                raise Unfixable(f"no automatic fix; see `eks-tf-auth lint --explain {rule.id}`")
            edits += rule.fix(ctx, finding)
        except Unfixable as e:
            unfixed.append(Unfixed(finding, e.reason))
        else:
            fixed.append(finding)
    edits += _drop_unused(ctx)
    by_path: dict[str, list[Edit]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append(edit)
    changes = []
    for path, file_edits in sorted(by_path.items()):
        old = ctx.source(path).text
        changes.append(Change(Path(path), old, apply(old, file_edits, json_syntax=is_json(path))))
    return Fixes(
        tuple(changes),
        tuple(fixed),
        tuple(unfixed),
        tuple(project.problems),
        selection.fail_on or DEFAULT_FAIL_ON,
    )


def write(changes: Sequence[Change]) -> None:
    from eks_tf_auth.files import write_atomic

    for change in changes:  # through a link to its target, keeping the target's mode
        write_atomic(str(change.path), change.new.encode())


def _drop_unused(ctx: FixContext) -> list[Edit]:
    """Remove the aws_eks_cluster_auth data sources, and the locals that carried their token,
    that nothing uses once the fixes are made: those the removed attributes referred to, and
    those released by a fix (ETA003)."""
    home = {f.path: d for d, m in ctx.project.modules.items() for f in m.files}
    seeds: dict[str, set[str]] = {}
    for (path, _, _), attr in ctx.removed.items():
        seeds.setdefault(home[path], set()).update(attr.refs)
    for directory, address in ctx.released:
        seeds.setdefault(directory, set()).add(address)
    edits: list[Edit] = []
    for directory, refs in sorted(seeds.items()):
        module = ctx.project.modules[directory]
        if not module.unparsed:  # a file lint could not read may use them
            edits += _drop_in_module(ctx, directory, module, refs)
    return edits


def _drop_in_module(ctx: FixContext, directory: str, module: Module, refs: set[str]) -> list[Edit]:
    carriers = {
        a.name: (b, a)
        for b in module.of_kind("locals")
        for a in b.attributes.values()
        if ctx.flow.of(directory, [f"local.{a.name}"], Kind.AUTH) is not None
    }
    reached: set[str] = set()
    todo = set(refs)
    while todo:  # through the locals that carry the token, down to the data sources
        ref = todo.pop()
        reached.add(ref)
        if ref.startswith("local.") and ref[6:] in carriers:
            todo |= set(carriers[ref[6:]][1].refs) - reached
    gone = set(ctx.removed)
    live = [(b.path, a) for b in module.blocks for a in leaves_of(b)]

    def used(ref: str) -> bool:
        return any(ref in a.refs and not _within(path, a, gone) for path, a in live)

    dropped: dict[str, list[Attribute]] = {}  # locals removed, by the path of their block
    blocks: dict[tuple[str, int], Block] = {}
    changed = True
    while changed:
        changed = False
        for name, (block, attr) in sorted(carriers.items()):
            span = (block.path, attr.start, attr.end)
            if f"local.{name}" in reached and span not in gone and not used(f"local.{name}"):
                gone.add(span)
                dropped.setdefault(block.path, []).append(attr)
                blocks[(block.path, block.start)] = block
                changed = True
    edits: list[Edit] = []
    for block in blocks.values():
        mine = [a for a in dropped[block.path] if block.start <= a.start and a.end <= block.end]
        if len(mine) == len(block.attributes) and not block.blocks:
            edits.append(Edit(block.path, block.start, block.end, Op.DROP))
        else:
            edits += [Edit(block.path, a.start, a.end, Op.DELETE) for a in mine]
            edits.append(align_edit(block))
    for ref in sorted(reached):
        if ref.startswith(f"data.{AUTH_TYPE}.") and not used(ref):
            data = module.block(ref)
            if data is not None:
                edits.append(Edit(data.path, data.start, data.end, Op.DROP))
    return edits


def _within(path: str, attr: Attribute, spans: set[tuple[str, int, int]]) -> bool:
    return any(p == path and s <= attr.start and attr.end <= e for p, s, e in spans)
