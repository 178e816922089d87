"""What a lint rule is and what it reports."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eks_tf_auth.lint.model import Problem, Project

if TYPE_CHECKING:
    from eks_tf_auth.lint.edits import Edit, FixContext

DOCS_URL = "https://github.com/eks-tf-auth/eks-tf-auth/blob/v{version}/docs/rules/{rule_id}.md"


class Severity(str, enum.Enum):
    """SARIF's levels."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    def at_least(self, threshold: Severity) -> bool:
        order = (Severity.NOTE, Severity.WARNING, Severity.ERROR)
        return order.index(self) >= order.index(threshold)


# --fail-on: the least severe finding that fails the run (exit 1).
FAIL_ON = (Severity.ERROR.value, Severity.WARNING.value)
DEFAULT_FAIL_ON = Severity.WARNING


@dataclass(frozen=True, order=True)
class Finding:
    path: str  # POSIX, relative to the working directory where it can be
    line: int  # 1-based
    column: int  # 1-based
    rule_id: str
    message: str
    severity: Severity = Severity.ERROR
    # The first line of the statement the finding is in, where that is above `line`: a
    # suppression comment above the statement counts too. 0: the finding's own line is it.
    statement: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Rule:
    id: str  # ETA + 3 digits, never renumbered or reused
    name: str  # kebab-case
    severity: Severity
    check: Callable[[Project], Iterator[Finding]]
    doc: str  # Markdown under fixed headings: What it does / Why is this bad? / Example
    # --fix: the edits that resolve one finding; raises edits.Unfixable with the reason.
    fix: Callable[[FixContext, Finding], Sequence[Edit]] | None = None

    @property
    def summary(self) -> str:
        """The first sentence of the doc's "What it does" section."""
        body = self.doc.split("## What it does", 1)[-1].strip().split("\n\n", 1)[0]
        return " ".join(body.split())

    def help_uri(self, version: str) -> str:
        return DOCS_URL.format(version=version, rule_id=self.id)


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    rules: tuple[Rule, ...]  # the rules that ran
    fail_on: Severity = DEFAULT_FAIL_ON

    @property
    def failures(self) -> tuple[Finding, ...]:
        """The findings that fail the run: those at or above --fail-on."""
        return tuple(f for f in self.findings if f.severity.at_least(self.fail_on))

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 1 if self.failures else 0
