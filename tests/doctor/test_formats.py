"""The report's formats: text short enough to paste, JSON that `formats.SCHEMA` describes (the
schema is the README's, byte for byte), no secret in either."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from eks_tf_auth.doctor import formats
from eks_tf_auth.doctor.checks import CHECKS
from eks_tf_auth.doctor.facts import Failed
from eks_tf_auth.doctor.model import Status
from tests.doctor.synthetic import KEY, SECRET, SESSION, healthy, report, unresolved

README = Path(__file__).resolve().parent.parent.parent / "README.md"


def valid(value: Any, schema: Any, where: str = "$") -> None:
    """The JSON Schema keywords SCHEMA uses, checked."""
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "boolean": bool,
        "null": type(None),
    }
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], where
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(
            isinstance(value, types[t]) and not (t == "integer" and isinstance(value, bool))
            for t in allowed
        ), (where, value)
    if "minimum" in schema:
        assert value >= schema["minimum"], where
    if isinstance(value, dict):
        assert set(schema.get("required", [])) <= set(value), where
        for key, item in value.items():
            sub = schema.get("properties", {}).get(key)
            if sub is None:
                extra = schema.get("additionalProperties", True)
                assert extra is not False, f"{where}.{key}"
                sub = extra if isinstance(extra, dict) else {}
            valid(item, sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            valid(item, schema["items"], f"{where}[{n}]")


def test_the_json_output_follows_the_schema() -> None:
    for facts in (
        healthy(),
        unresolved(request=Failed("no cluster")),
        healthy(whoami=Failed("401", None, "401")),
    ):
        doc = json.loads(formats.json_text(report(facts)))
        valid(doc, formats.SCHEMA)
        assert [c["id"] for c in doc["checks"]] == [c.id for c in CHECKS]
        assert sum(doc["summary"].values()) == len(CHECKS)


def test_the_schema_is_the_readmes() -> None:
    text = README.read_text()
    block = re.search(
        r"<!-- doctor-schema -->\n```json\n(.*?)```\n<!-- end doctor-schema -->", text, re.S
    )
    assert block is not None, "README.md has no doctor-schema block"
    assert json.loads(block.group(1)) == formats.SCHEMA
    assert block.group(1) == json.dumps(formats.SCHEMA, indent=2) + "\n"


def test_the_readme_lists_every_check() -> None:
    section = README.read_text().split("## doctor", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z-]+)` \|", section, re.M)
    assert listed == [c.id for c in CHECKS]


def test_text_is_one_line_per_result_and_fix() -> None:
    text = formats.text(report(healthy(whoami=Failed("refused:\n401", None, "401"))))
    lines = text.splitlines()
    assert lines[0] == "eks-tf-auth doctor: cluster prod in us-west-2"
    assert lines[-1] == "result: fail (1 failed, 0 warned, 8 passed, 8 skipped)"
    assert len(lines) == 1 + len(CHECKS) + 1 + 1  # one fix line, for the failure
    assert any(line.startswith("FAIL  whoami ") for line in lines)
    assert all(len(line) < 400 for line in lines)
    bare = formats.text(report(unresolved(request=None)))
    assert bare.splitlines()[0] == "eks-tf-auth doctor: no cluster"
    warned = report(healthy(caller_time=healthy().now - timedelta(minutes=2)))
    assert warned.status is Status.WARN and "result: warn" in formats.text(warned)


def test_no_secret_in_either_format() -> None:
    for facts in (healthy(), healthy(whoami=Failed("401", None, "401"))):
        for text in (formats.text(report(facts)), formats.json_text(report(facts))):
            for secret in (KEY, SECRET, SESSION, "k8s-aws-v1.", "X-Amz-Signature"):
                assert secret not in text


def test_text_passes_the_redaction_filter() -> None:
    leaked = healthy(whoami=Failed(f"the server said k8s-aws-v1.{'a' * 40}", None, "500"))
    assert "k8s-aws-v1.REDACTED" in formats.text(report(leaked))
    assert "k8s-aws-v1.REDACTED" in formats.json_text(report(leaked))
