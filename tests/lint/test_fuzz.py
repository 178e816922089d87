"""Random and mutated HCL and JSON never crash lint: a bad file is a problem for that file only."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eks_tf_auth.lint import engine
from eks_tf_auth.lint.rule import Report

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = [
    *sorted(p.read_text() for p in FIXTURES.rglob("*.tf")),
    (FIXTURES / "ETA001" / "bad" / "json" / "main.tf.json").read_text(),
]
GOOD = (
    'data "aws_eks_cluster_auth" "x" {\n  name = "c"\n}\n'
    'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.x.token\n}\n'
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def lint_with_neighbour(name: str, text: str | bytes) -> Report:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "fuzzed").mkdir()
        if isinstance(text, str):
            text = text.encode("utf-8", errors="surrogatepass")
        (root / "fuzzed" / name).write_bytes(text)
        (root / "clean").mkdir()
        (root / "clean" / "main.tf").write_text(GOOD)
        report = engine.run([root], engine.Selection(), cwd=root)
    # The neighbour is always linted, whatever the fuzzed file does.
    assert ("clean/main.tf", 5, "ETA001") in {(f.path, f.line, f.rule_id) for f in report.findings}
    assert all(p.path.startswith(f"fuzzed/{name}") for p in report.problems)
    return report


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.text(alphabet='{}[]()"=$%#/*\\\n ,.<>-ab01ext', max_size=6))
        if op == "insert":
            text = text[:at] + chunk + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + len(chunk) :]
        else:
            text = text[:at] + chunk + text[at + len(chunk) :]
    return text


@FUZZ
@given(mutated())
def test_mutated_hcl(text: str) -> None:
    lint_with_neighbour("main.tf", text)


@FUZZ
@given(mutated())
def test_mutated_json_config(text: str) -> None:
    lint_with_neighbour("main.tf.json", text)


@FUZZ
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    lint_with_neighbour("main.tf", "token exec " + text)


@FUZZ
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=20)
        | st.just("k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_WC1BbXotRGF0ZT0yMDI2"),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_random_plan_json(doc: object) -> None:
    import json

    report = lint_with_neighbour("plan.tfplan.json", json.dumps(doc))
    assert all(
        f.rule_id != "ETA008" or f.path == "fuzzed/plan.tfplan.json" for f in report.findings
    )


def _saved_plan_bytes() -> bytes:
    import io
    import json
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tfplan", b"\x00" * 64)
        archive.writestr("tfstate", json.dumps({"outputs": {"t": {"value": "k8s-aws-v1.x"}}}))
        archive.writestr("tfconfig/modules.json", json.dumps([{"Key": "", "Dir": "."}]))
        archive.writestr("tfconfig/m-/main.tf", GOOD)
    return buffer.getvalue()


SAVED_PLAN = _saved_plan_bytes()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SAVED_PLAN) - 1), st.integers(0, 255)), max_size=6))
def test_mutated_saved_plan(flips: list[tuple[int, int]]) -> None:
    """A damaged zip (headers, sizes, methods, flags, deflate data) is a problem, never a crash."""
    data = bytearray(SAVED_PLAN)
    for at, value in flips:
        data[at] = value
    report = lint_with_neighbour("tfplan", bytes(data))
    assert all("\n" not in p.message for p in report.problems)
