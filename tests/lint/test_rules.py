"""Each rule against its fixtures: every `# expect: ID` line (or EXPECT entry, for files that
cannot carry a comment: .tf.json configurations, plan JSON) is reported, and nothing else; good
fixtures give nothing. A rule without fixtures fails here and in test_registry.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eks_tf_auth.lint import engine
from eks_tf_auth.lint.rules import RULES

FIXTURES = Path(__file__).parent / "fixtures"
MARKER = re.compile(r"#\s*expect:\s*(?P<ids>ETA\d{3}(?:\s*,\s*ETA\d{3})*)")
CASES = [(rule.id, kind) for rule in RULES for kind in ("bad", "good")]


def expected(root: Path, rule_id: str) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for path in sorted(root.rglob("*")):
        if path.name == "EXPECT":
            for line in path.read_text().splitlines():
                where, ids = line.split(" ", 1)
                file, line_number = where.rsplit(":", 1)
                if rule_id in ids.split(","):
                    found.add(((path.parent / file).as_posix(), int(line_number)))
        elif path.suffix in (".tf", ".tofu"):
            for number, text in enumerate(path.read_text().splitlines(), start=1):
                m = MARKER.search(text)
                if m and rule_id in re.split(r"\s*,\s*", m.group("ids")):
                    found.add((path.as_posix(), number))
    return found


@pytest.mark.parametrize(("rule_id", "kind"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_rule_fixtures(rule_id: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = FIXTURES / rule_id / kind
    assert root.is_dir(), f"{rule_id} needs fixtures in {root}"
    monkeypatch.chdir(FIXTURES.parent.parent.parent)
    report = engine.run([root.relative_to(Path.cwd())], engine.Selection(select=(rule_id,)))
    assert report.problems == ()
    got = {(f.path, f.line) for f in report.findings}
    assert all(f.rule_id == rule_id for f in report.findings)
    want = {
        (Path(p).relative_to(Path.cwd()).as_posix() if Path(p).is_absolute() else p, n)
        for p, n in expected(root.relative_to(Path.cwd()), rule_id)
    }
    assert got == want
    if kind == "bad":
        assert want, "a bad fixture must expect at least one finding"
    else:
        assert not want
