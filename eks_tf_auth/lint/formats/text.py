"""Ruff-like text: `path:line:col: ETA001 message`, one line per finding.

Findings come first, sorted by (path, line, column, rule id); then the files that could not be
parsed, as `path:line:col: error: message`, sorted the same way. A clean report renders as the
empty string, and every line ends with a newline.
"""

from __future__ import annotations

from collections.abc import Iterable

from eks_tf_auth.lint.model import Problem
from eks_tf_auth.lint.rule import Finding, Report


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The order every format uses: path, line, column, rule id (then message, for ties)."""
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule_id, f.message))


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.path, p.line, p.column, p.message))


def format_finding(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.rule_id} {finding.message}"


def format_problem(problem: Problem) -> str:
    return f"{problem.path}:{problem.line}:{problem.column}: error: {problem.message}"


def render(report: Report) -> str:
    lines = [format_finding(f) for f in sorted_findings(report.findings)]
    lines += [format_problem(p) for p in sorted_problems(report.problems)]
    return "".join(f"{line}\n" for line in lines)
