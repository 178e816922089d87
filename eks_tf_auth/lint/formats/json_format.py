"""JSON: `{"version", "findings": [...], "problems": [...]}`, indented by 2, newline-terminated.

Named json_format so that it does not shadow the standard library's json. Findings and problems
are in the text format's order, so the output is deterministic.
"""

from __future__ import annotations

import json

from eks_tf_auth import __version__
from eks_tf_auth.lint.formats.text import sorted_findings, sorted_problems
from eks_tf_auth.lint.rule import Report


def render(report: Report) -> str:
    document = {
        "version": __version__,
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "rule_id": f.rule_id,
                "severity": f.severity.value,
                "message": f.message,
            }
            for f in sorted_findings(report.findings)
        ],
        "problems": [
            {"path": p.path, "line": p.line, "column": p.column, "message": p.message}
            for p in sorted_problems(report.problems)
        ],
    }
    return json.dumps(document, indent=2) + "\n"
