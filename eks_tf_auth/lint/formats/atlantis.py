r"""Output for an Atlantis custom policy check (`custom_policy_check: true`).

Server-side repos.yaml runs the linter as a policy_check step, for example
`run: eks-tf-auth lint --atlantis "$SHOWFILE"`. Atlantis does not read the exit code: a run step
that exits non-zero is an error, not a failed policy, so in this mode the command exits 0 and
Atlantis decides from this output alone. What it parses (runatlantis/atlantis):

- server/events/project_command_runner.go, the custom policy check branch. Since v0.39.0 (#6019)
  a policy set fails when its output matches `[1-9][0-9]* failure` (or a JSON `failures": [`),
  or starts with "FAIL"; since v0.38.0 empty output fails too. From v0.26.0 to v0.38.x it failed
  whenever the output contained "fail" in any case, which is still what
  runatlantis.io/docs/custom-policy-checks.md documents.
- server/events/models/models.go, `PolicyCheckResults.Summary`: the PR comment's summary shows the
  first match of conftest's line `\d+ tests?, \d+ passed, \d+ warnings?, \d+ failures?,
  \d+ exceptions?(, \d skipped)?`.

So a report with failures (findings at or above --fail-on, and files that could not be parsed,
which fail closed) prints the text format's lines and then conftest's summary line, counting them
as failures (as the exit code does), the findings below --fail-on as warnings, and every rule
without findings as passed. A report without failures must not contain "fail" at all, or
Atlantis up to v0.38 would fail it: it prints its warnings, if any (no warning rule's message
says "fail"), and then one non-empty line without conftest's summary, which Atlantis then leaves
out of the comment. For sticky approvals, `policy_item_regex: '(?m)^.+:\d+:\d+: .+$'` makes
each finding line an item of its own.
"""

from __future__ import annotations

from eks_tf_auth.lint.formats.text import render as render_text
from eks_tf_auth.lint.rule import Report


def render(report: Report) -> str:
    failures = len(report.failures) + len(report.problems)
    warnings = len(report.findings) - len(report.failures)
    checked = f"eks-tf-auth lint: {_count(len(report.rules), 'rule')} checked"
    if not failures and not warnings:
        return f"{checked}, no findings\n"
    if not failures:
        gate = report.fail_on.value
        return f"{render_text(report)}{checked}, {_count(warnings, 'warning')}, none at {gate}\n"
    flagged = {f.rule_id for f in report.findings}
    passed = sum(1 for rule in report.rules if rule.id not in flagged)
    summary = (
        f"{_count(passed + warnings + failures, 'test')}, {passed} passed, "
        f"{_count(warnings, 'warning')}, {_count(failures, 'failure')}, 0 exceptions"
    )
    return render_text(report) + summary + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
