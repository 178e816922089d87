"""render atlantis: golden files for the repos.yaml + Dockerfile pair, the policy-check workflow,
--output-dir, hostile input refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eks_tf_auth import cli
from tests.support.aws import AwsEnv
from tests.support.render import assert_refused, check_golden, run_cli

ATLANTIS_CASES: dict[str, list[str]] = {
    "atlantis": ["--cluster-name", "prod", "--cluster-name", "staging", "--region", "eu-west-1"],
    "atlantis-plain": [],
}


@pytest.mark.parametrize("case", list(ATLANTIS_CASES))
def test_atlantis_golden(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = run_cli(["render", "atlantis", *ATLANTIS_CASES[case]], capsys)
    check_golden(f"{case}.txt", text)
    repos = run_cli(["render", "atlantis", "--only", "repos.yaml", *ATLANTIS_CASES[case]], capsys)
    doc = yaml.safe_load(repos)
    workflow = doc["workflows"]["eks"]
    assert {"run": 'eks-tf-auth lint --atlantis "$SHOWFILE"'} in workflow["policy_check"]["steps"]
    assert doc["repos"][0]["custom_policy_check"] is True
    checks = [s["run"] for s in workflow["plan"]["steps"] if isinstance(s, dict)]
    assert len(checks) == len(ATLANTIS_CASES[case]) // 2 - 1 if ATLANTIS_CASES[case] else not checks


def test_atlantis_output_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", "atlantis", "--output-dir", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Dockerfile", "repos.yaml"]
    assert "FROM ghcr.io/runatlantis/atlantis:" in (tmp_path / "out" / "Dockerfile").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["atlantis", "--cluster-name", "prod"],
        ["atlantis", "--base-image", "atlantis\nRUN curl evil"],
        ["atlantis", "--cluster-name", "prod'; rm", "--region", "eu-west-1"],
    ],
)
def test_hostile_input_is_an_error_not_a_snippet(
    args: list[str],
    aws_env: AwsEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION")
    assert_refused(["render", *args], capsys)
