"""GitHub Actions workflow commands: one annotation per finding and per unparsable file.

`::error file={path},line={line},col={column},title={rule_id}::{message}`, with `warning` and
`notice` for the other severities (SARIF's `note` is GitHub's `notice`); files that could not be
parsed are `::error` annotations titled "eks-tf-auth". Escaping follows @actions/core
(actions/toolkit, packages/core/src/command.ts): the message escapes `%`, CR and LF; property
values escape those and `:` and `,` too. Like the toolkit, a property whose value is empty or 0
(an unknown line or column) is left out.
"""

from __future__ import annotations

from collections.abc import Sequence

from eks_tf_auth.lint.formats.text import sorted_findings, sorted_problems
from eks_tf_auth.lint.rule import Report, Severity

COMMANDS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.NOTE: "notice",
}
PROBLEM_TITLE = "eks-tf-auth"


def escape_data(value: str) -> str:
    """A command's message: `%` first, so that the escapes it adds are not escaped again."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A property's value: also `:` and `,`, which separate the properties."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(name: str, properties: Sequence[tuple[str, str | int]], message: str) -> str:
    pairs = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties if value)
    return f"::{name} {pairs}::{escape_data(message)}"


def render(report: Report) -> str:
    lines = [
        format_command(
            COMMANDS[f.severity],
            [("file", f.path), ("line", f.line), ("col", f.column), ("title", f.rule_id)],
            f.message,
        )
        for f in sorted_findings(report.findings)
    ]
    lines += [
        format_command(
            "error",
            [("file", p.path), ("line", p.line), ("col", p.column), ("title", PROBLEM_TITLE)],
            p.message,
        )
        for p in sorted_problems(report.problems)
    ]
    return "".join(f"{line}\n" for line in lines)
