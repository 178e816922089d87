"""The report as text (short enough to paste into an issue) or as JSON (`SCHEMA`, documented in
the README and pinned by a test). Every string passes the token module's redaction on the way
out, and no check puts a credential or a token into its evidence."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from eks_tf_auth.doctor.model import Report, Status
from eks_tf_auth.token import redact

SCHEMA_ID = "eks-tf-auth/doctor/v1"
STATUSES = tuple(s.value for s in Status)
# The JSON output's schema (JSON Schema 2020-12). Adding a check or an evidence key is compatible;
# renaming or removing anything here is a new SCHEMA_ID.
SCHEMA: Mapping[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "type": "object",
    "required": ["schema", "cluster", "region", "status", "summary", "checks"],
    "additionalProperties": False,
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "cluster": {"type": ["string", "null"]},
        "region": {"type": ["string", "null"]},
        "status": {"enum": ["pass", "warn", "fail"]},
        "summary": {
            "type": "object",
            "required": list(STATUSES),
            "additionalProperties": False,
            "properties": {s: {"type": "integer", "minimum": 0} for s in STATUSES},
        },
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "title", "status", "finding", "fix", "evidence"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"enum": list(STATUSES)},
                    "finding": {"type": "string"},
                    "fix": {"type": ["string", "null"]},
                    "evidence": {
                        "type": "object",
                        "additionalProperties": {
                            "type": ["string", "integer", "boolean", "null", "array"],
                            "items": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}
WIDTH = max(len("irsa-service-account"), 12)


def text(report: Report) -> str:
    where = f"cluster {report.cluster}" if report.cluster else "no cluster"
    where += f" in {report.region}" if report.region else ""
    lines = [f"eks-tf-auth doctor: {where}"]
    for outcome in report.outcomes:
        result = outcome.result
        lines.append(
            f"{result.status.value.upper():4}  {outcome.check.id:{WIDTH}}  {result.finding}"
        )
        if result.fix and result.status in (Status.FAIL, Status.WARN):
            lines.append(f"{'':4}  {'':{WIDTH}}  fix: {result.fix}")
    counts = ", ".join(
        f"{report.count(s)} {name}"
        for s, name in (
            (Status.FAIL, "failed"),
            (Status.WARN, "warned"),
            (Status.PASS, "passed"),
            (Status.SKIP, "skipped"),
        )
    )
    lines.append(f"result: {report.status.value} ({counts})")
    return redact("\n".join(" ".join(line.split("\n")) for line in lines) + "\n")


def document(report: Report) -> dict[str, Any]:
    """The JSON document, as `SCHEMA` describes it."""
    return {
        "schema": SCHEMA_ID,
        "cluster": report.cluster,
        "region": report.region,
        "status": report.status.value,
        "summary": {s.value: report.count(s) for s in Status},
        "checks": [
            {
                "id": o.check.id,
                "title": o.check.title,
                "status": o.result.status.value,
                "finding": o.result.finding,
                "fix": o.result.fix,
                "evidence": {
                    k: list(v) if isinstance(v, tuple) else v for k, v in o.result.evidence.items()
                },
            }
            for o in report.outcomes
        ],
    }


def json_text(report: Report) -> str:
    return redact(json.dumps(document(report), indent=2, sort_keys=False)) + "\n"


FORMATS: Mapping[str, Callable[[Report], str]] = {"text": text, "json": json_text}
