"""What --fix changes in a file, and how: edits by position in the source text, so that every
other byte and comment is kept, and the re-alignment `terraform fmt` would make in the blocks
that were edited. The rules' fixers (rules/*.py) make edits; fix.py applies them."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from eks_tf_auth.lint.connections import Connection, Where, with_token_at
from eks_tf_auth.lint.flow import Flow
from eks_tf_auth.lint.hcl import Attribute, Block, SourceFile
from eks_tf_auth.lint.model import Module, Project
from eks_tf_auth.lint.syntax import CODE, COMMENT, classify, closing


class Position(Protocol):
    """Where a finding is (rule.Finding)."""

    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


class Unfixable(Exception):
    """A finding --fix leaves alone, and why (one line, for the list --fix prints)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Op(enum.Enum):
    REPLACE = "replace"  # start:end becomes text
    DELETE = "delete"  # an attribute: its whole lines, or in JSON its member and a comma
    DROP = "drop"  # a block: its text, its newline and a blank line after it; in JSON, a member
    ALIGN = "align"  # re-align `=` and comments in the block that starts at start


@dataclass(frozen=True)
class Edit:
    path: str
    start: int
    end: int
    op: Op = Op.REPLACE
    text: str = ""


@dataclass
class FixContext:
    """What a fixer sees: the project, its dataflow, the --fix mode, and what the fixes release
    (token uses removed, data sources to drop once nothing else uses them)."""

    project: Project
    mode: str = "exec"
    # Attributes whose references the fixes take away (removed or rewritten), by span.
    removed: dict[tuple[str, int, int], Attribute] = field(default_factory=dict)
    released: set[tuple[str, str]] = field(default_factory=set)  # (module, data source address)

    @cached_property
    def flow(self) -> Flow:
        return Flow(self.project)

    def source(self, path: str) -> SourceFile:
        return next(f for m in self.project.modules.values() for f in m.files if f.path == path)

    def module(self, directory: str) -> Module:
        return self.project.modules[directory]

    def connection(self, finding: Position) -> Connection:
        """The connection whose token a finding points at, with a token attribute that --fix
        can rewrite in a configuration file; else Unfixable, with the reason."""
        where = Where(finding.path, finding.line, finding.column)
        conn = with_token_at(self.project, where, self.flow)
        assert conn is not None  # the rule found its token there
        if conn.token_attribute is None:  # see providers.py: a form --fix cannot rewrite
            raise Unfixable(conn.unfixable)
        if "!" in conn.module:
            raise Unfixable("inside a saved plan: fix the configuration and plan again")
        return conn

    def remove(self, attr: Attribute, path: str) -> Edit:
        """Delete an attribute, and remember that its references are gone."""
        self.removed[(path, attr.start, attr.end)] = attr
        return Edit(path, attr.start, attr.end, Op.DELETE)

    def rewrite(self, attr: Attribute, path: str, text: str) -> Edit:
        """Replace an attribute whole, and remember that its references are gone."""
        self.removed[(path, attr.start, attr.end)] = attr
        return Edit(path, attr.start, attr.end, Op.REPLACE, text)


def leaves(block: Block) -> Iterator[Attribute]:
    """Every attribute of a block and its nested blocks, an object constructor by its elements
    (so that one element can be edited while the others are still seen)."""
    stack = list(block.all_attributes())
    while stack:
        attr = stack.pop()
        if attr.items:
            stack.extend(attr.items.values())
        else:
            yield attr


def one_line(block: Block, text: str) -> bool:
    """A block written on one line (`x { a = 1 }`), which cannot take a nested block."""
    return "\n" not in text[block.start : block.end]


def align_edit(block: Block) -> Edit:
    return Edit(block.path, block.start, block.start, Op.ALIGN)


def apply(text: str, edits: Iterable[Edit], *, json_syntax: bool = False) -> str:
    """Apply edits from the end of the text backwards, so that each one's offsets still hold;
    an alignment runs after the edits inside its block, and an edit inside a span that another
    removes is left out."""
    unique = set(edits)
    removals = [e for e in unique if e.op in (Op.DELETE, Op.DROP)]
    kept = [
        e
        for e in unique
        if not any(r is not e and r.start <= e.start and e.end <= r.end for r in removals)
    ]
    for edit in sorted(kept, key=lambda e: (-e.start, e.op is Op.ALIGN, -e.end)):
        if edit.op is Op.ALIGN:
            if not json_syntax:
                text = align(text, edit.start)
        elif edit.op is Op.REPLACE:
            text = text[: edit.start] + edit.text + text[edit.end :]
        elif json_syntax:
            text = remove_json(text, edit.start, edit.end)
        elif edit.op is Op.DELETE:
            text = delete_lines(text, edit.start, edit.end)
        else:
            text = drop_block(text, edit.start, edit.end)
    return text


def delete_lines(text: str, start: int, end: int) -> str:
    """Remove the text from start to end, with its whole lines where it fills them."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    before, after = text[line_start:start], text[end:line_end]
    if before.strip() or (after.strip() and not after.lstrip().startswith(("#", "//"))):
        return text[:start].rstrip(" \t") + text[end:]  # shares its line: cut only itself
    return text[:line_start] + text[line_end:]


def drop_block(text: str, start: int, end: int) -> str:
    """Remove a block, the rest of its line, and one blank line after it (or before it, at the
    end of the file)."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        line_start = start
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    if text[line_end : line_end + 1] == "\n":
        line_end += 1
    elif line_end >= len(text) and text[:line_start].endswith("\n\n"):
        line_start -= 1
    return text[:line_start] + text[line_end:]


def remove_json(text: str, start: int, end: int) -> str:
    """Remove a JSON member or array element and the comma that separates it."""
    after = end
    while after < len(text) and text[after].isspace():
        after += 1
    if text[after : after + 1] == ",":  # not the last: up to the next one
        after += 1
        while after < len(text) and text[after].isspace():
            after += 1
        return text[:start] + text[after:]
    before = start
    while before > 0 and text[before - 1].isspace():
        before -= 1
    if text[before - 1 : before] == ",":  # the last: from the comma before it
        return text[: before - 1] + text[end:]
    return text[:before] + text[after:]  # the only one: the braces close up


# --- alignment --------------------------------------------------------------------------------
#
# terraform fmt (hclwrite's format.go) works on lines: a line has an "assign" cell where its first
# `=` (after at least one token) starts an expression that closes on the same line, and a
# "comment" cell where it ends with a comment after some code. In each run of consecutive lines
# with an assign cell, the `=` line up one space after the longest key; then in each run of
# consecutive lines with a comment cell (a `#` or `//` comment, which takes the line's newline;
# not `/* */`), the comments line up one space after the longest code. A heredoc's body belongs
# to the line that opens it.

_NOT_ASSIGN = ("==", "!=", "<=", ">=", "=>")


def align(text: str, start: int) -> str:
    """Re-align the block (or object) whose text starts at `start`, as terraform fmt would."""
    line_start = text.rfind("\n", 0, start) + 1
    kinds = classify(text[line_start:])
    brace = next(i for i, k in enumerate(kinds) if k == CODE and text[line_start + i] == "{")
    stop = line_start + closing(text[line_start:], brace, kinds)
    stop = text.find("\n", stop)
    stop = len(text) if stop < 0 else stop
    region, rkinds = text[line_start:stop], kinds[: stop - line_start]
    lines: list[tuple[str, str]] = []
    at = 0
    for i, (c, k) in enumerate(zip(region, rkinds, strict=True)):
        if c == "\n" and k == CODE:
            lines.append((region[at:i], rkinds[at:i]))
            at = i + 1
    lines.append((region[at:], rkinds[at:]))
    cells = [_cells(line, lk) for line, lk in lines]
    texts = _align_assign([line for line, _ in lines], cells)
    texts = _align_comments(texts, cells)
    return text[:line_start] + "\n".join(texts) + text[stop:]


def _cells(line: str, kinds: str) -> tuple[int, int]:
    """(where the assign cell starts, where the comment cell starts); -1 where there is none."""
    pairs = enumerate(zip(line, kinds, strict=True))
    code = [i for i, (c, k) in pairs if k != COMMENT and c.strip()]
    if not code:
        return -1, -1  # blank, or a comment alone on its line
    comment = len(line.rstrip()) - 1
    if kinds[comment] == COMMENT:
        while kinds[comment - 1] == COMMENT:
            comment -= 1
        if line.startswith("/*", comment):
            comment = -1  # only a line comment (# or //), which ends the line, is a cell
    else:
        comment = -1
    assign = -1
    for i in code[1:]:
        if line[i] != "=" or kinds[i] != CODE:
            continue
        if line[i - 1 : i + 1] in _NOT_ASSIGN or line[i : i + 2] in _NOT_ASSIGN:
            continue  # ==, !=, <=, >=, =>
        rest = [c for c, k in zip(line[i:], kinds[i:], strict=True) if k == CODE]
        depth = sum(c in "([{" for c in rest) - sum(c in ")]}" for c in rest)
        assign = i if depth == 0 else -1
        break
    return assign, comment


def _runs(flags: list[bool]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, flag in enumerate(flags):
        if flag and runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        elif flag:
            runs.append([i])
    return runs


def _align_assign(lines: list[str], cells: list[tuple[int, int]]) -> list[str]:
    out = list(lines)
    for run in _runs([assign >= 0 for assign, _ in cells]):
        width = max(len(lines[i][: cells[i][0]].rstrip()) for i in run)
        for i in run:
            lead, rest = lines[i][: cells[i][0]].rstrip(), lines[i][cells[i][0] :]
            out[i] = f"{lead.ljust(width)} {rest}"
    return out


def _align_comments(lines: list[str], cells: list[tuple[int, int]]) -> list[str]:
    out = list(lines)
    starts = [_comment_start(line, cell[1] >= 0) for line, cell in zip(lines, cells, strict=True)]
    for run in _runs([s >= 0 for s in starts]):
        width = max(len(lines[i][: starts[i]].rstrip()) for i in run)
        for i in run:
            code, comment = lines[i][: starts[i]].rstrip(), lines[i][starts[i] :]
            out[i] = f"{code.ljust(width)} {comment}"
    return out


def _comment_start(line: str, has_comment: bool) -> int:
    """The trailing comment's offset in a line whose `=` may have moved (-1: none)."""
    if not has_comment:
        return -1
    kinds = classify(line)
    start = len(line.rstrip()) - 1
    while kinds[start - 1] == COMMENT:
        start -= 1
    return start
