"""Run the rules over the paths: load, check, drop suppressed findings, sort."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from eks_tf_auth.errors import InputError
from eks_tf_auth.lint import loader
from eks_tf_auth.lint.rule import Finding, Report, Rule
from eks_tf_auth.lint.rules import BY_ID, RULES

# `# eks-tf-auth:ignore ETA001 reason` (or //) on the finding's line or the line above it.
SUPPRESSION = re.compile(r"(?:#|//)\s*eks-tf-auth:ignore\s+(?P<ids>ETA\d{3}(?:\s*,\s*ETA\d{3})*)")
CONFIG_FILES = (".eks-tf-auth.toml", "pyproject.toml")


@dataclass(frozen=True)
class Selection:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()

    def rules(self) -> tuple[Rule, ...]:
        for rule_id in (*self.select, *self.ignore):
            if rule_id not in BY_ID:
                raise InputError(f"unknown rule {rule_id!r}", hint=f"rules are {', '.join(BY_ID)}")
        chosen = [r for r in RULES if not self.select or r.id in self.select]
        return tuple(r for r in chosen if r.id not in self.ignore)


def run(paths: Sequence[Path], selection: Selection, *, cwd: Path | None = None) -> Report:
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
    project = loader.load(paths, cwd=cwd)
    rules = selection.rules()
    findings = sorted(
        f for rule in rules for f in rule.check(project) if not _suppressed(f, project.lines)
    )
    return Report(tuple(dict.fromkeys(findings)), tuple(sorted(project.problems)), rules)


def _suppressed(finding: Finding, lines: dict[str, list[str]]) -> bool:
    text = lines.get(finding.path, [])
    for number in (finding.line, finding.line - 1):
        m = SUPPRESSION.search(text[number - 1]) if 1 <= number <= len(text) else None
        if m and finding.rule_id in re.split(r"\s*,\s*", m.group("ids")):
            return True
    return False


def load_config(directory: Path) -> Selection:
    """`[lint]` in .eks-tf-auth.toml, else `[tool.eks-tf-auth.lint]` in pyproject.toml."""
    for name in CONFIG_FILES:
        path = directory / name
        if not path.is_file():
            continue
        table = _read_toml(path)
        tool = table.get("tool")
        own = tool.get("eks-tf-auth") if isinstance(tool, dict) else None
        if name.startswith("."):
            section = table.get("lint")
        else:
            section = own.get("lint") if isinstance(own, dict) else None
        if section is None:
            continue
        if not isinstance(section, dict):
            raise InputError(f"{path}: the lint settings must be a table")
        return Selection(_ids(section, "select", path), _ids(section, "ignore", path))
    return Selection()


def _ids(section: dict[str, object], key: str, path: Path) -> tuple[str, ...]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{path}: lint.{key} must be a list of rule ids")
    return tuple(str(v) for v in value)


def _read_toml(path: Path) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the CI interpreter is 3.11
        import tomli as tomllib
    try:
        with path.open("rb") as f:
            loaded: dict[str, object] = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from e
    return loaded


def merge(config: Selection, select: Iterable[str], ignore: Iterable[str]) -> Selection:
    """Command-line --select replaces the config's; --ignore adds to it."""
    chosen = tuple(select) or config.select
    return Selection(chosen, (*config.ignore, *ignore))
