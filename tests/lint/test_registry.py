from __future__ import annotations

import re
from pathlib import Path

import pytest

from eks_tf_auth.lint import docs, providers, rules
from eks_tf_auth.lint.rule import Rule, Severity
from eks_tf_auth.lint.rules import BY_ID, RULES

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
HEADINGS = ("## What it does", "## Why is this bad?", "## Example")


def test_ids_are_ordered_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"ETA\d{3}", i) for i in ids)
    assert set(BY_ID) == set(ids)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_file_docs_and_severity(rule: Rule) -> None:
    module = Path(rules.__file__).parent / f"{rule.id.lower()}_{rule.name.replace('-', '_')}.py"
    assert module.is_file(), f"{rule.id} lives in {module.name}"
    positions = [rule.doc.find(h) for h in HEADINGS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert isinstance(rule.severity, Severity)
    assert rule.summary.startswith("Flags ")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_bad_and_good_fixtures(rule: Rule) -> None:
    """No exceptions: a rule that only reads plans has plan files for fixtures (see ETA008)."""
    assert (FIXTURES / rule.id / "bad").is_dir() and (FIXTURES / rule.id / "good").is_dir()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_generated_rule_docs_are_current(rule: Rule) -> None:
    path = ROOT / "docs" / "rules" / f"{rule.id}.md"
    assert path.read_text() == docs.rule_markdown(rule), "run `make docs`"


def test_readme_rules_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert docs.replace_table(readme, docs.readme_table(RULES)) == readme, "run `make docs`"


def test_providers_doc_is_current() -> None:
    path = ROOT / docs.PROVIDERS_DOC
    assert path.read_text() == docs.providers_markdown(providers.FORMS), "run `make docs`"


def test_providers_doc_has_a_row_per_form() -> None:
    text = docs.providers_markdown(providers.FORMS)
    rows = [line for line in text.splitlines() if line.startswith("| [`")]
    assert len(rows) == len(providers.FORMS)
    for form, row in zip(providers.FORMS, rows, strict=True):
        assert row.startswith(f"| [`{form.provider}`]({form.docs}) | {form.versions} |")
        assert ("| yes: an `exec" in row) is not bool(form.unfixable)


def test_write_all_writes_what_the_tests_expect(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(f"x\n{docs.README_BEGIN}\nold\n{docs.README_END}\ny\n")
    docs.write_all(str(tmp_path))
    assert docs.readme_table(RULES) in (tmp_path / "README.md").read_text()
    assert (tmp_path / docs.PROVIDERS_DOC).read_text() == docs.providers_markdown(providers.FORMS)
    assert sorted(p.name for p in (tmp_path / "docs" / "rules").iterdir()) == [
        f"{r.id}.md" for r in RULES
    ]


def test_pre_commit_hook_definition() -> None:
    import yaml

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "eks-tf-auth-lint" and hook["entry"] == "eks-tf-auth lint"
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    assert all(
        files.search(n)
        for n in ("main.tf", "x.tf.json", "a/b.tofu", "c.tofu.json", "live/terragrunt.hcl")
    )
    assert not any(files.search(n) for n in ("main.tfvars", "x.json", "tf.md"))
