"""`lint --fix`: rewrite ETA001 providers to an exec block, or (`--fix=ephemeral`) switch the data
source to `ephemeral "aws_eks_cluster_auth"`. Edits are made in the source text by position, so
every other byte and comment is kept; the edited block's attributes are re-aligned as
`terraform fmt` aligns them. Running it twice changes nothing the second time."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eks_tf_auth.errors import InputError
from eks_tf_auth.lint.connections import connections
from eks_tf_auth.lint.flow import AUTH_TYPE, Flow, Kind
from eks_tf_auth.lint.hcl import Block
from eks_tf_auth.lint.loader import is_stream, load
from eks_tf_auth.lint.model import Module, Project

EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"(?:#|//).*")
_ATTRIBUTE_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<key>[A-Za-z_][\w-]*)(?P<gap>[ \t]*)=(?!=)")


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
class _Edit:
    start: int
    end: int
    text: str


MODES = ("exec", "ephemeral")  # --fix=MODE: exec blocks (the default), or the ephemeral data source


def fix(paths: Sequence[Path], *, mode: str = MODES[0]) -> list[Change]:
    for given in paths:
        if is_stream(given):
            raise InputError(
                f"--fix rewrites files, and {given} is not a file or directory",
                hint="lint standard input and pipes without --fix",
            )
    project = load(paths)
    flow = Flow(project)
    edits: dict[str, list[_Edit]] = {}
    for directory, module in project.modules.items():
        if "!" in directory:
            continue  # a saved plan's snapshot is not ours to edit
        if mode == MODES[1]:
            _ephemeral(module, edits)
        else:
            _exec(project, flow, directory, module, edits)
    changes = []
    for path, file_edits in edits.items():  # every edit changes its file
        old = Path(path).read_text(encoding="utf-8")
        changes.append(Change(Path(path), old, _apply(old, file_edits)))
    return changes


def write(changes: Sequence[Change]) -> None:
    from eks_tf_auth.files import write_atomic

    for change in changes:  # through a link to its target, keeping the target's mode
        write_atomic(str(change.path), change.new.encode())


def _exec(
    project: Project, flow: Flow, directory: str, module: Module, edits: dict[str, list[_Edit]]
) -> None:
    fixed_sources: set[str] = set()
    for conn in connections(project):
        if conn.module != directory or conn.token is None or conn.provider.path.endswith(".json"):
            continue
        taint = flow.of(directory, conn.token_refs, Kind.AUTH)
        body = conn.provider if conn.provider.labels[:1] != ("helm",) else _helm_body(conn.provider)
        token = body.attributes.get("token") if body else None
        if (
            body is None
            or token is None
            or taint is None
            or any(not step.startswith("local.") for step in taint.via)
        ):
            continue  # through module inputs the cluster name is out of scope: not fixable here
        data = _data_block(module, taint.source)
        name = data.attributes.get("name") if data else None
        if name is None or re.search(r"\b(each|count)\.", name.expr):
            continue  # no name, or one per instance (for_each/count): fix by hand
        indent = " " * (token.column - 1)
        if conn.has_exec:
            replacement = ""  # ETA005: keep the exec block, drop the static token
        else:
            args = ['"exec"', '"--cluster-name"', name.expr]
            if region := _region(module):
                args += ['"--region"', region]
            replacement = (
                f'exec {{\n{indent}  api_version = "{EXEC_API_VERSION}"\n'
                f'{indent}  command     = "eks-tf-auth"\n'
                f"{indent}  args        = [{', '.join(args)}]\n{indent}}}"
            )
        edits.setdefault(conn.provider.path, []).extend(
            [_Edit(token.start, token.end, replacement), _Edit(body.start, body.start, "\0align")]
        )
        fixed_sources.add(taint.source)
    _drop_unused(module, fixed_sources, edits)


def _helm_body(provider: Block) -> Block | None:
    return next((b for b in provider.blocks if b.kind == "kubernetes"), None)


def _data_block(module: Module, address: str) -> Block | None:
    name = address.split(".")[2]
    return next((b for b in module.of_kind("data", AUTH_TYPE) if b.labels[1:2] == (name,)), None)


def _region(module: Module) -> str | None:
    for provider in module.of_kind("provider", "aws"):
        if "alias" not in provider.attributes and (region := provider.attributes.get("region")):
            return region.expr
    return None


def _drop_unused(module: Module, sources: set[str], edits: dict[str, list[_Edit]]) -> None:
    """Remove a data source whose only uses were the tokens just replaced."""
    for source in sources:
        block = _data_block(module, source)
        assert block is not None  # a source is added only once its block was found
        replaced = {(e.start, e.end) for e in edits.get(block.path, []) if e.text != "\0align"}
        still_used = any(
            source in attr.refs and (attr.start, attr.end) not in replaced
            for b in module.blocks
            for attr in b.all_attributes()
        )
        if not still_used:
            edits.setdefault(block.path, []).append(_Edit(block.start, block.end, "\0drop"))


def _ephemeral(module: Module, edits: dict[str, list[_Edit]]) -> None:
    """data -> ephemeral, where every use is in a provider or a local."""
    for block in module.of_kind("data", AUTH_TYPE):
        address = f"data.{AUTH_TYPE}.{block.labels[1]}"
        users = [(b, a) for b in module.blocks for a in b.all_attributes() if address in a.refs]
        if not users or any(b.kind not in ("provider", "locals") for b, _ in users):
            continue
        edits.setdefault(block.path, []).append(_Edit(block.start, block.start + 4, "ephemeral"))
        for owner, attr in users:
            new = attr.expr.replace(address, "ephemeral" + address[4:])
            expr_start = attr.end - len(attr.expr)
            edits.setdefault(owner.path, []).append(_Edit(expr_start, attr.end, new))


def _apply(text: str, edits: list[_Edit]) -> str:
    """Apply from the end of the file backwards, so each edit's offsets are still valid; an
    alignment marker sits at its block's start, after the edits inside the block."""
    for edit in sorted(set(edits), key=lambda e: (-e.start, e.text == "\0align")):
        if edit.text == "\0align":
            text = _align_block(text, edit.start)
        elif edit.text == "\0drop":
            end = edit.end
            while text[end : end + 1] == "\n" and text[end + 1 : end + 2] == "\n":
                end += 1  # and the blank line after it
            text = text[: edit.start] + text[end + 1 if text[end : end + 1] == "\n" else end :]
        elif edit.text == "":
            start = text.rfind("\n", 0, edit.start) + 1
            end = text.find("\n", edit.end)
            text = text[:start] + text[(end + 1 if end >= 0 else len(text)) :]
        else:
            text = text[: edit.start] + edit.text + text[edit.end :]
    return text


def _align_block(text: str, start: int) -> str:
    """Align `=` of consecutive one-line attributes at one depth in the block from `start`."""
    lines = text[start:].split("\n")
    deltas = [_bracket_delta(line) for line in lines]
    depths = list(itertools.accumulate(deltas))
    end = next(i for i, depth in enumerate(depths) if i > 0 and depth <= 0)  # a parsed block closes
    group: list[tuple[str, re.Match[str]]] = []
    out: list[str] = []

    def flush() -> None:
        width = max(len(m.group("key")) for _, m in group) if group else 0
        for line, m in group:
            out.append(f"{m.group('indent')}{m.group('key').ljust(width)} ={line[m.end() :]}")
        group.clear()

    for i, line in enumerate(lines[: end + 1]):
        m = _ATTRIBUTE_LINE.match(line)
        depth_before = depths[i] - deltas[i]
        if m and depth_before == 1 and deltas[i] == 0:
            group.append((line, m))
        else:
            flush()
            out.append(line)
    flush()
    return text[:start] + "\n".join(out + lines[end + 1 :])


def _bracket_delta(line: str) -> int:
    """Opening minus closing brackets of a line, outside its strings and comments."""
    code = _COMMENT.sub("", _STRING.sub('""', line))
    return code.count("{") + code.count("[") - code.count("}") - code.count("]")
