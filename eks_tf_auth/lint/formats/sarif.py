"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run. `tool.driver.rules` holds one reportingDescriptor per rule that ran, in the report's
order, and each result points back at its rule by `ruleId` and `ruleIndex`. Paths under the
working directory become relative POSIX URIs against `%SRCROOT%`, which `originalUriBaseIds`
resolves to the working directory's file URI, so the log stays valid when the checkout moves;
absolute paths and paths outside the working directory become `file://` URIs of their own.
Files that could not be parsed are not results: they are error notifications of the invocation,
which then reports `executionSuccessful: false`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePath
from urllib.parse import quote

from eks_tf_auth import __version__
from eks_tf_auth.lint.formats.text import sorted_findings, sorted_problems
from eks_tf_auth.lint.rule import Report, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "eks-tf-auth"
INFORMATION_URI = "https://github.com/eks-tf-auth/eks-tf-auth"
SRCROOT = "%SRCROOT%"
# The doc sections that describe the rule; "## Example" is left to help.markdown.
DESCRIPTION_HEADINGS = ("What it does", "Why is this bad?")

_Json = dict[str, object]


def render(report: Report, *, cwd: str | None = None) -> str:
    """The SARIF log; `cwd` (default: the process's working directory) roots relative paths."""
    root = os.getcwd() if cwd is None else cwd
    rule_index: dict[str, int] = {}
    for index, rule in enumerate(report.rules):
        rule_index.setdefault(rule.id, index)

    results: list[_Json] = []
    for finding in sorted_findings(report.findings):
        result: _Json = {"ruleId": finding.rule_id}
        if finding.rule_id in rule_index:
            result["ruleIndex"] = rule_index[finding.rule_id]
        result["level"] = finding.severity.value
        result["message"] = {"text": finding.message}
        result["locations"] = [_location(finding.path, finding.line, finding.column, root)]
        results.append(result)

    notifications: list[_Json] = [
        {
            "level": "error",
            "message": {"text": problem.message},
            "locations": [_location(problem.path, problem.line, problem.column, root)],
        }
        for problem in sorted_problems(report.problems)
    ]

    run: _Json = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule) for rule in report.rules],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not report.problems,
                "toolExecutionNotifications": notifications,
            }
        ],
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(root)}},
        "results": results,
    }
    log: _Json = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def _descriptor(rule: Rule) -> _Json:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _full_description(rule)},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": rule.help_uri(__version__),
        "defaultConfiguration": {"level": rule.severity.value},
    }


def _full_description(rule: Rule) -> str:
    """What the rule does and why, as one plain paragraph; the summary if the doc has neither."""
    bodies = [_section(rule.doc, heading) for heading in DESCRIPTION_HEADINGS]
    text = " ".join(" ".join(body.split()) for body in bodies if body.strip())
    return text or rule.summary


def _section(doc: str, heading: str) -> str:
    match = re.search(
        rf"^## {re.escape(heading)}[ \t]*$(.*?)(?=^## |\Z)", doc, flags=re.MULTILINE | re.DOTALL
    )
    return match.group(1) if match else ""


def _location(path: str, line: int, column: int, root: str) -> _Json:
    # SARIF (and GitHub) want 1-based positions; 0 means "unknown", so point at the file's start.
    return {
        "physicalLocation": {
            "artifactLocation": _artifact_location(path, root),
            "region": {"startLine": max(line, 1), "startColumn": max(column, 1)},
        }
    }


def _artifact_location(path: str, root: str) -> _Json:
    if not os.path.isabs(path):
        relative = os.path.normpath(path)
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return {"uri": quote(PurePath(relative).as_posix(), safe="/"), "uriBaseId": SRCROOT}
    return {"uri": Path(os.path.normpath(os.path.join(root, path))).as_uri()}


def _directory_uri(directory: str) -> str:
    uri = Path(os.path.normpath(directory)).as_uri()
    return uri if uri.endswith("/") else uri + "/"
