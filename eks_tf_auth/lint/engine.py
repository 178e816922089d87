"""Run the rules over the paths: load, check, drop suppressed findings and those of files read
only for context, sort."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from eks_tf_auth.errors import InputError
from eks_tf_auth.lint import loader
from eks_tf_auth.lint.inputs import MAX_CONFIG_BYTES, Unreadable, decode, position, read_file
from eks_tf_auth.lint.model import Problem, Project
from eks_tf_auth.lint.rule import DEFAULT_FAIL_ON, FAIL_ON, Finding, Report, Rule, Severity
from eks_tf_auth.lint.rules import BY_ID, RULES

# `# eks-tf-auth:ignore ETA001 reason` (or //) on the finding's line or the line above it (or
# above the multi-line statement it is in).
SUPPRESSION = re.compile(r"(?:#|//)\s*eks-tf-auth:ignore\s+(?P<ids>ETA\d{3}(?:\s*,\s*ETA\d{3})*)")
CONFIG_FILES = (".eks-tf-auth.toml", "pyproject.toml")


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()  # a settings file that could not be used (reported)
    fail_on: Severity | None = None  # None: not set here (the default is warning)

    def rules(self) -> tuple[Rule, ...]:
        for rule_id in (*self.select, *self.ignore):
            if rule_id not in BY_ID:
                raise InputError(f"unknown rule {rule_id!r}", hint=f"rules are {', '.join(BY_ID)}")
        chosen = [r for r in RULES if not self.select or r.id in self.select]
        return tuple(r for r in chosen if r.id not in self.ignore)


def run(
    paths: Sequence[Path],
    selection: Selection,
    *,
    cwd: Path | None = None,
    stdin: BinaryIO | None = None,
) -> Report:
    """Lint `paths` (`-` reads `stdin`)."""
    for path in paths:
        if str(path) != loader.STDIN and _missing(path):
            raise InputError(f"{path}: no such file or directory")
    rules = selection.rules()
    project = loader.load(paths, cwd=cwd, stdin=stdin)
    problems = (*selection.problems, *project.problems)
    fail_on = selection.fail_on or DEFAULT_FAIL_ON
    return Report(tuple(check(project, rules)), tuple(sorted(problems)), rules, fail_on)


def check(project: Project, rules: Sequence[Rule]) -> list[Finding]:
    """The findings to report: sorted, once each, neither suppressed nor in a file read only
    for context."""
    findings = sorted(
        f
        for rule in rules
        for f in rule.check(project)
        if f.path not in project.context and not suppressed(f, project.lines)
    )
    return list(dict.fromkeys(findings))


def _missing(path: Path) -> bool:
    try:
        os.stat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False  # there, but not for us: reported as a problem when read
    return False


def suppressed(finding: Finding, lines: dict[str, list[str]]) -> bool:
    text = lines.get(finding.path, [])
    above = (finding.statement, finding.statement - 1) if finding.statement else ()
    for number in (finding.line, finding.line - 1, *above):
        m = SUPPRESSION.search(text[number - 1]) if 1 <= number <= len(text) else None
        if m and finding.rule_id in re.split(r"\s*,\s*", m.group("ids")):
            return True
    return False


def load_config(directory: Path) -> Selection:
    """`[lint]` in .eks-tf-auth.toml, else `[tool.eks-tf-auth.lint]` in pyproject.toml. A file
    that cannot be used is a problem in the report, and every rule runs (a gate fails closed)."""
    for name in CONFIG_FILES:
        path = directory / name
        if not path.is_file():
            continue
        try:
            return _selection(path, name)
        except Unreadable as e:
            shown = loader.display(path, directory)
            return Selection(problems=(Problem(shown, e.line, e.column, e.message),))
    return Selection()


def _selection(path: Path, name: str) -> Selection:
    table = _read_toml(path)
    tool = table.get("tool")
    own = tool.get("eks-tf-auth") if isinstance(tool, dict) else None
    if name.startswith("."):
        section = table.get("lint")
    else:
        section = own.get("lint") if isinstance(own, dict) else None
    if section is None:
        return Selection()
    if not isinstance(section, dict):
        raise Unreadable("the lint settings must be a table")
    fail_on = section.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise Unreadable(f"lint.fail-on must be one of {', '.join(map(repr, FAIL_ON))}")
    return Selection(
        _ids(section, "select"),
        _ids(section, "ignore"),
        fail_on=Severity(fail_on) if fail_on is not None else None,
    )


def _ids(section: dict[str, object], key: str) -> tuple[str, ...]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Unreadable(f"lint.{key} must be a list of rule ids")
    return tuple(str(v) for v in value)


_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def _read_toml(path: Path) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the CI interpreter is 3.11
        import tomli as tomllib
    text = decode(read_file(path, limit=MAX_CONFIG_BYTES))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        at = _TOML_POSITION.search(message)
        line, column = (int(at[1]), int(at[2])) if at and at[1] else position(text, len(text))
        detail = message[: at.start()] if at else message
        raise Unreadable(f"invalid TOML: {detail}", line, column) from e


def merge(
    config: Selection, select: Iterable[str], ignore: Iterable[str], fail_on: str | None = None
) -> Selection:
    """Command-line --select replaces the config's; --ignore adds to it; --fail-on wins."""
    chosen = tuple(select) or config.select
    threshold = Severity(fail_on) if fail_on is not None else config.fail_on
    return Selection(chosen, (*config.ignore, *ignore), config.problems, threshold)
