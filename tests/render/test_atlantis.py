"""render atlantis: golden files for the repos.yaml + Dockerfile pair; the workflow fails the plan
on findings (lint's exit code on the saved plan), reports them in a custom policy check, and
applies the saved plan; the image installs the pinned commit (or a PyPI requirement, quoted);
--output-dir; hostile input refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.errors import InputError
from eks_tf_auth.render import atlantis, release
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
    [repo] = doc["repos"]
    assert repo["policy_check"] is True and repo["custom_policy_check"] is True
    workflow = doc["workflows"]["eks"]
    plan = workflow["plan"]["steps"]
    checks = [s["run"] for s in plan if isinstance(s, dict) and "exec" in s["run"]]
    assert len(checks) == len(ATLANTIS_CASES[case]) // 2 - 1 if ATLANTIS_CASES[case] else not checks
    assert plan[len(checks) :] == ["init", "plan", {"run": atlantis.PLAN_LINT}]  # lint the plan
    assert workflow["policy_check"]["steps"] == ["show", {"run": atlantis.POLICY_CHECK_LINT}]
    assert workflow["apply"]["steps"] == ["apply"]  # the saved plan, as Atlantis's step does
    assert "--atlantis" not in atlantis.PLAN_LINT and "$PLANFILE" in atlantis.PLAN_LINT
    assert "--enable-policy-checks" in repos


def test_the_image_installs_the_pinned_commit_or_a_quoted_requirement() -> None:
    pinned = atlantis.render_files([])["Dockerfile"]
    assert f"pip install --no-cache-dir {release.PIP_REQUIREMENT} " in pinned
    assert "eks-tf-auth==" not in pinned and "@v0." not in pinned
    published = atlantis.render_files([], package="eks-tf-auth>=0.2")["Dockerfile"]
    assert "pip install --no-cache-dir 'eks-tf-auth>=0.2' " in published
    with pytest.raises(InputError, match="invalid package"):
        atlantis.render_files([], package="eks-tf-auth; rm -rf /")


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
