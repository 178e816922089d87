from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eks_tf_auth import __version__
from eks_tf_auth.lint.formats import (
    FORMAT_NAMES,
    FORMATS,
    atlantis,
    github,
    json_format,
    sarif,
    text,
)
from eks_tf_auth.lint.model import Problem
from eks_tf_auth.lint.rule import Finding, Report, Rule, Severity

CLUSTER_AUTH_DOC = """## What it does
Flags `data "aws_eks_cluster_auth"` blocks.

## Why is this bad?
The token is read at plan time and expires after 15 minutes,
so long applies and saved plans are refused by the cluster.

## Example
    data "aws_eks_cluster_auth" "this" { name = var.cluster_name }
Use instead: a provider `exec { command = "eks-tf-auth" args = ["exec", "--cluster-name", ...] }`.
"""

TOKEN_OUTPUT_DOC = """## What it does
Flags outputs and locals that copy an EKS token.

## Why is this bad?
The copy lands in the state and in saved plans, where it outlives the 15 minutes it is valid for.

## Example
    output "token" { value = data.aws_eks_cluster_auth.this.token }
Use instead: nothing; let each provider run `eks-tf-auth exec` for its own token.
"""

KUBECONFIG_DOC = """## What it does
Notes a `config_path` pointing at a kubeconfig that embeds a token.

## Why is this bad?
The kubeconfig is read at plan time; its token expires before a saved plan is applied.

## Example
    provider "kubernetes" { config_path = "~/.kube/config" }
Use instead: an `exec` block.
"""


def _no_findings(project: object) -> Iterator[Finding]:
    return iter(())


CLUSTER_AUTH = Rule(
    id="ETA001",
    name="cluster-auth-data-source",
    severity=Severity.ERROR,
    check=lambda project: iter(()),
    doc=CLUSTER_AUTH_DOC,
)
TOKEN_OUTPUT = Rule(
    id="ETA002",
    name="token-in-output",
    severity=Severity.WARNING,
    check=lambda project: iter(()),
    doc=TOKEN_OUTPUT_DOC,
)
KUBECONFIG = Rule(
    id="ETA003",
    name="kubeconfig-token",
    severity=Severity.NOTE,
    check=lambda project: iter(()),
    doc=KUBECONFIG_DOC,
)
RULES = (CLUSTER_AUTH, TOKEN_OUTPUT, KUBECONFIG)

# Deliberately out of order: every format sorts.
FINDINGS = (
    Finding("main.tf", 12, 1, "ETA002", "output.token: copies the token", Severity.WARNING),
    Finding("modules/eks/main.tf", 3, 1, "ETA001", "data.aws_eks_cluster_auth.this: 15-min token"),
    Finding("main.tf", 4, 3, "ETA001", "data.aws_eks_cluster_auth.eks: 15-min token"),
)
PROBLEMS = (Problem("broken.tf", 7, 9, "Unexpected token: '}'"),)
REPORT = Report(findings=FINDINGS, problems=PROBLEMS, rules=RULES)
CLEAN = Report(findings=(), problems=(), rules=RULES)
CWD = "/work/repo"


def test_format_names() -> None:
    assert tuple(FORMATS) == FORMAT_NAMES == ("text", "json", "sarif", "github", "atlantis")
    assert FORMATS["json"] is json_format.render
    assert FORMATS["sarif"] is sarif.render


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_every_format_is_deterministic(name: str) -> None:
    shuffled = Report(tuple(reversed(FINDINGS)), PROBLEMS, RULES)
    assert FORMATS[name](REPORT) == FORMATS[name](shuffled)
    assert FORMATS[name](REPORT).endswith("\n")


# text


def test_text() -> None:
    assert text.render(REPORT) == (
        "main.tf:4:3: ETA001 data.aws_eks_cluster_auth.eks: 15-min token\n"
        "main.tf:12:1: ETA002 output.token: copies the token\n"
        "modules/eks/main.tf:3:1: ETA001 data.aws_eks_cluster_auth.this: 15-min token\n"
        "broken.tf:7:9: error: Unexpected token: '}'\n"
    )


def test_text_sorts_by_rule_id_at_one_position() -> None:
    findings = (Finding("a.tf", 1, 1, "ETA002", "b"), Finding("a.tf", 1, 1, "ETA001", "a"))
    assert text.render(Report(findings, (), RULES)) == "a.tf:1:1: ETA001 a\na.tf:1:1: ETA002 b\n"


def test_text_clean_is_empty() -> None:
    assert text.render(CLEAN) == ""


# json


def test_json() -> None:
    output = json_format.render(REPORT)
    assert output.startswith('{\n  "version": ')
    assert output.endswith("}\n")
    assert json.loads(output) == {
        "version": __version__,
        "findings": [
            {
                "path": "main.tf",
                "line": 4,
                "column": 3,
                "rule_id": "ETA001",
                "severity": "error",
                "message": "data.aws_eks_cluster_auth.eks: 15-min token",
            },
            {
                "path": "main.tf",
                "line": 12,
                "column": 1,
                "rule_id": "ETA002",
                "severity": "warning",
                "message": "output.token: copies the token",
            },
            {
                "path": "modules/eks/main.tf",
                "line": 3,
                "column": 1,
                "rule_id": "ETA001",
                "severity": "error",
                "message": "data.aws_eks_cluster_auth.this: 15-min token",
            },
        ],
        "problems": [
            {"path": "broken.tf", "line": 7, "column": 9, "message": "Unexpected token: '}'"}
        ],
    }


def test_json_round_trips() -> None:
    document = json.loads(json_format.render(REPORT))
    findings = tuple(
        Finding(
            f["path"], f["line"], f["column"], f["rule_id"], f["message"], Severity(f["severity"])
        )
        for f in document["findings"]
    )
    problems = tuple(Problem(**p) for p in document["problems"])
    assert sorted(findings) == sorted(FINDINGS)
    assert problems == PROBLEMS


def test_json_clean() -> None:
    assert json.loads(json_format.render(CLEAN)) == {
        "version": __version__,
        "findings": [],
        "problems": [],
    }


# sarif

SARIF_FINDINGS = (
    *FINDINGS,
    Finding("../shared/eks.tf", 2, 5, "ETA001", "outside the working directory"),
    Finding("/opt/terraform/eks.tf", 8, 1, "ETA003", "absolute", Severity.NOTE),
    Finding("envs/prod east/a:b.tf", 1, 1, "ETA001", "needs percent-encoding"),
    Finding("./envs/../main.tf", 0, 0, "ETA999", "a rule that is not in report.rules"),
)
SARIF_PROBLEMS = (*PROBLEMS, Problem("plan.json", 0, 0, "not a Terraform plan"))


def _sarif(report: Report, cwd: str = CWD) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(sarif.render(report, cwd=cwd))
    return log


def _location(path: str, line: int, column: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line, "startColumn": column},
        }
    }


def test_sarif_log_and_driver() -> None:
    log = _sarif(REPORT)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "eks-tf-auth"
    assert driver["version"] == __version__
    assert driver["informationUri"] == "https://github.com/eks-tf-auth/eks-tf-auth"
    assert [r["id"] for r in driver["rules"]] == ["ETA001", "ETA002", "ETA003"]
    assert driver["rules"][0] == {
        "id": "ETA001",
        "name": "cluster-auth-data-source",
        "shortDescription": {"text": 'Flags `data "aws_eks_cluster_auth"` blocks.'},
        "fullDescription": {
            "text": 'Flags `data "aws_eks_cluster_auth"` blocks. The token is read at plan time'
            " and expires after 15 minutes, so long applies and saved plans are refused by the"
            " cluster."
        },
        "help": {"text": CLUSTER_AUTH_DOC, "markdown": CLUSTER_AUTH_DOC},
        "helpUri": CLUSTER_AUTH.help_uri(__version__),
        "defaultConfiguration": {"level": "error"},
    }
    assert __version__ in driver["rules"][0]["helpUri"]
    levels = [r["defaultConfiguration"]["level"] for r in driver["rules"]]
    assert levels == ["error", "warning", "note"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///work/repo/"}}


def test_sarif_results() -> None:
    run = _sarif(REPORT)["runs"][0]
    assert run["results"] == [
        {
            "ruleId": "ETA001",
            "ruleIndex": 0,
            "level": "error",
            "message": {"text": "data.aws_eks_cluster_auth.eks: 15-min token"},
            "locations": [_location("main.tf", 4, 3)],
        },
        {
            "ruleId": "ETA002",
            "ruleIndex": 1,
            "level": "warning",
            "message": {"text": "output.token: copies the token"},
            "locations": [_location("main.tf", 12, 1)],
        },
        {
            "ruleId": "ETA001",
            "ruleIndex": 0,
            "level": "error",
            "message": {"text": "data.aws_eks_cluster_auth.this: 15-min token"},
            "locations": [_location("modules/eks/main.tf", 3, 1)],
        },
    ]


def test_sarif_problems_are_notifications() -> None:
    [invocation] = _sarif(REPORT)["runs"][0]["invocations"]
    assert invocation == {
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": "Unexpected token: '}'"},
                "locations": [_location("broken.tf", 7, 9)],
            }
        ],
    }


def test_sarif_clean() -> None:
    run = _sarif(CLEAN)["runs"][0]
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    assert len(run["tool"]["driver"]["rules"]) == len(RULES)


def test_sarif_structure() -> None:
    run = _sarif(Report(SARIF_FINDINGS, SARIF_PROBLEMS, RULES))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        if "ruleIndex" in result:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        else:
            assert result["ruleId"] not in {rule.id for rule in RULES}
        assert result["level"] in {"error", "warning", "note"}
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["region"]["startLine"] >= 1
        assert physical["region"]["startColumn"] >= 1
        artifact_location = physical["artifactLocation"]
        if artifact_location.get("uriBaseId") == "%SRCROOT%":
            uri = artifact_location["uri"]
            assert not uri.startswith(("/", "file:", "..")), uri
            assert "\\" not in uri
            assert " " not in uri
        else:
            assert artifact_location["uri"].startswith("file:///"), artifact_location
    by_message = {r["message"]["text"]: r for r in run["results"]}

    def artifact(message: str) -> dict[str, Any]:
        location: dict[str, Any] = by_message[message]["locations"][0]["physicalLocation"]
        artifact_location: dict[str, Any] = location["artifactLocation"]
        return artifact_location

    assert artifact("outside the working directory") == {"uri": "file:///work/shared/eks.tf"}
    assert artifact("absolute") == {"uri": "file:///opt/terraform/eks.tf"}
    assert artifact("needs percent-encoding") == {
        "uri": "envs/prod%20east/a%3Ab.tf",
        "uriBaseId": "%SRCROOT%",
    }
    unknown = by_message["a rule that is not in report.rules"]
    assert "ruleIndex" not in unknown
    assert unknown["locations"] == [_location("main.tf", 1, 1)]
    notifications = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notifications] == [
        "Unexpected token: '}'",
        "not a Terraform plan",
    ]
    assert notifications[1]["locations"] == [_location("plan.json", 1, 1)]


def test_sarif_default_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = json.loads(sarif.render(CLEAN))
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == tmp_path.resolve().as_uri() + "/"
    assert FORMATS["sarif"](CLEAN) == sarif.render(CLEAN, cwd=str(tmp_path.resolve()))


def test_sarif_root_directory() -> None:
    log = _sarif(Report((Finding("main.tf", 1, 1, "ETA001", "m"),), (), RULES), cwd="/")
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///"


def test_sarif_full_description_falls_back_to_the_summary() -> None:
    rule = Rule("ETA004", "no-headings", Severity.ERROR, _no_findings, "Flags nothing.\n\nMore.")
    [descriptor] = _sarif(Report((), (), (rule,)))["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["shortDescription"] == descriptor["fullDescription"] == {"text": rule.summary}
    assert rule.summary == "Flags nothing."


# github


def test_github() -> None:
    assert github.render(REPORT) == (
        "::error file=main.tf,line=4,col=3,title=ETA001::"
        "data.aws_eks_cluster_auth.eks: 15-min token\n"
        "::warning file=main.tf,line=12,col=1,title=ETA002::output.token: copies the token\n"
        "::error file=modules/eks/main.tf,line=3,col=1,title=ETA001::"
        "data.aws_eks_cluster_auth.this: 15-min token\n"
        "::error file=broken.tf,line=7,col=9,title=eks-tf-auth::Unexpected token: '}'\n"
    )


def test_github_severities() -> None:
    findings = tuple(Finding("a.tf", 1, 1, "ETA001", s.value, s) for s in Severity)
    assert github.render(Report(findings, (), RULES)) == (
        "::error file=a.tf,line=1,col=1,title=ETA001::error\n"
        "::notice file=a.tf,line=1,col=1,title=ETA001::note\n"
        "::warning file=a.tf,line=1,col=1,title=ETA001::warning\n"
    )


def test_github_escaping() -> None:
    finding = Finding("envs/a:b,c%d.tf", 2, 4, "ETA001", "100% sure:\r\nnext, line %0A")
    assert github.render(Report((finding,), (), RULES)) == (
        "::error file=envs/a%3Ab%2Cc%25d.tf,line=2,col=4,title=ETA001::"
        "100%25 sure:%0D%0Anext, line %250A\n"
    )
    assert github.escape_data("a:b,c") == "a:b,c"
    assert github.escape_property("%\r\n:,") == "%25%0D%0A%3A%2C"


def test_github_leaves_out_unknown_positions() -> None:
    problem = Problem("plan.json", 0, 0, "not a Terraform plan")
    assert github.render(Report((), (problem,), RULES)) == (
        "::error file=plan.json,title=eks-tf-auth::not a Terraform plan\n"
    )


def test_github_clean_is_empty() -> None:
    assert github.render(CLEAN) == ""


# atlantis
# Reproduced from runatlantis/atlantis (as data; the logic is restated, not copied):
# server/events/project_command_runner.go, custom policy check branch, v0.39.0 and later.
ATLANTIS_FAILURE_RE = re.compile(r'([1-9][0-9]* failure|failures": \[)')
# server/events/models/models.go, PolicyCheckResults.Summary.
ATLANTIS_SUMMARY_RE = re.compile(
    r"\d+ tests?, \d+ passed, \d+ warnings?, \d+ failures?, \d+ exceptions?(, \d skipped)?"
)


def atlantis_passes(output: str) -> bool:
    """Whether Atlantis v0.39.0+ passes a custom policy set with this output."""
    if output == "":
        return False
    return not ATLANTIS_FAILURE_RE.search(output) and not output.strip().startswith("FAIL")


def atlantis_legacy_passes(output: str) -> bool:
    """Whether Atlantis v0.26.0 to v0.38.x passes it: no "fail" anywhere, in any case."""
    return "fail" not in output.lower()


def test_atlantis_clean_passes() -> None:
    output = atlantis.render(CLEAN)
    assert output == "eks-tf-auth lint: 3 rules checked, no findings\n"
    assert atlantis_passes(output)
    assert atlantis_legacy_passes(output)
    assert ATLANTIS_SUMMARY_RE.search(output) is None  # no "0 failures": legacy would fail it


def test_atlantis_three_findings_fail() -> None:
    output = atlantis.render(Report(FINDINGS, (), RULES))
    assert output == text.render(Report(FINDINGS, (), RULES)) + (
        "4 tests, 1 passed, 0 warnings, 3 failures, 0 exceptions\n"
    )
    assert not atlantis_passes(output)
    assert not atlantis_legacy_passes(output)
    match = ATLANTIS_SUMMARY_RE.search(output)
    assert match is not None
    assert match.group() == "4 tests, 1 passed, 0 warnings, 3 failures, 0 exceptions"


def test_atlantis_one_finding_is_singular() -> None:
    finding = Finding("main.tf", 1, 1, "ETA001", "m")
    output = atlantis.render(Report((finding,), (), (CLUSTER_AUTH,)))
    assert output.endswith("\n1 test, 0 passed, 0 warnings, 1 failure, 0 exceptions\n")
    assert not atlantis_passes(output)
    assert ATLANTIS_SUMMARY_RE.search(output) is not None


def test_atlantis_problems_fail_closed() -> None:
    output = atlantis.render(Report((), PROBLEMS, RULES))
    assert output == (
        "broken.tf:7:9: error: Unexpected token: '}'\n"
        "4 tests, 3 passed, 0 warnings, 1 failure, 0 exceptions\n"
    )
    assert not atlantis_passes(output)
    assert not atlantis_legacy_passes(output)


def test_atlantis_no_rules() -> None:
    output = atlantis.render(Report((), (), ()))
    assert output == "eks-tf-auth lint: 0 rules checked, no findings\n"
    assert atlantis_passes(output)


def test_atlantis_fail_on_error_counts_warnings_as_warnings() -> None:
    gated = Report(FINDINGS, (), RULES, Severity.ERROR)
    output = atlantis.render(gated)
    assert output.endswith("\n4 tests, 1 passed, 1 warning, 2 failures, 0 exceptions\n")
    assert not atlantis_passes(output)
    assert gated.exit_code == 1 and len(gated.failures) == 2


def test_atlantis_warnings_below_fail_on_pass_every_atlantis() -> None:
    warning = Finding("main.tf", 2, 3, "ETA007", "aws eks get-token: no json", Severity.WARNING)
    note = Finding("main.tf", 9, 1, "ETA003", "a note", Severity.NOTE)
    report = Report((warning, note), (), RULES, Severity.ERROR)
    output = atlantis.render(report)
    assert output == text.render(report) + (
        "eks-tf-auth lint: 3 rules checked, 2 warnings, none at error\n"
    )
    assert atlantis_passes(output) and atlantis_legacy_passes(output)
    assert report.exit_code == 0
    assert Report((note,), (), RULES).exit_code == 0  # a note never fails


def test_warning_rules_never_say_fail() -> None:
    """Below --fail-on, their lines reach Atlantis, which up to v0.38 fails on "fail"."""
    from eks_tf_auth.lint.rules import RULES as REAL

    for rule in REAL:
        if rule.severity is not Severity.ERROR:
            source = Path(rule.check.__code__.co_filename).read_text()
            check = source.split("def check", 1)[1].split("\ndef ", 1)[0]
            assert "fail" not in check.lower(), rule.id
