"""render atlantis: golden files for the repos.yaml + Dockerfile pair; the workflow fails the plan
on findings (lint's exit code on the saved plan), reports them in a custom policy check, and
applies the saved plan; the image installs the pinned commit (or a PyPI requirement, quoted), or
copies only the standalone executable (--install standalone);
--output-dir; hostile input refused. identity.tf, the role Atlantis runs as: golden files for EKS
Pod Identity and IRSA, their trust policies, terraform fmt and validate (hashicorp/aws from the
image's mirror)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.errors import InputError
from eks_tf_auth.render import atlantis, release
from tests.support.aws import AwsEnv
from tests.support.render import assert_refused, check_golden, run_cli
from tests.support.terraform import Terraform, fmt_check, write_cli_config

VALUE = hcl2.SerializationOptions(strip_string_quotes=True)

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


def test_the_standalone_image_copies_only_the_executable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = run_cli(
        ["render", "atlantis", "--install", "standalone", "--only", "Dockerfile"], capsys
    )
    check_golden("atlantis-standalone.Dockerfile", text)
    assert f"FROM {atlantis.STANDALONE_BASE_IMAGE}\n" in text  # glibc: the Debian variant
    assert "COPY eks-tf-auth/ /opt/eks-tf-auth/\n" in text
    for python in ("python", "pip", "apk", "apt-get"):
        assert python not in text.replace("no Python, no pip", "")
    other = atlantis.render_files([], install=atlantis.STANDALONE, base_image="registry/a:1")
    assert "FROM registry/a:1\n" in other["Dockerfile"]
    assert other["repos.yaml"] == atlantis.render_files([])["repos.yaml"]


def test_the_examples_standalone_dockerfile_is_what_render_prints() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "atlantis"
    rendered = atlantis.render_files([], install=atlantis.STANDALONE)["Dockerfile"]
    assert (example / "Dockerfile.standalone").read_text() == rendered.replace(
        "docker build -f Dockerfile ", "docker build -f examples/atlantis/Dockerfile.standalone "
    )


def test_the_install_is_pip_or_standalone() -> None:
    with pytest.raises(InputError, match="unknown install 'conda'"):
        atlantis.render_files([], install="conda")
    with pytest.raises(InputError, match="a package is installed with pip"):
        atlantis.render_files([], install=atlantis.STANDALONE, package="eks-tf-auth>=0.2")


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


# --- the role Atlantis runs as: EKS Pod Identity or IRSA ----------------------------------------

IDENTITY_CASES: dict[str, list[str]] = {
    "atlantis-pod-identity": ["--identity", "pod-identity", "--atlantis-cluster", "tools"],
    "atlantis-irsa": [
        *("--identity", "irsa", "--atlantis-cluster", "tools"),
        *("--service-account", "ci/atlantis-server", "--role-name", "atlantis-tools"),
    ],
}


def statement(text: str) -> dict[str, Any]:
    """The trust policy's one statement, as python-hcl2 reads it."""
    doc = hcl2.loads(text, serialization_options=VALUE)
    [policy] = [
        d["aws_iam_policy_document"]["atlantis_assume"]
        for d in doc["data"]
        if "aws_iam_policy_document" in d
    ]
    [found] = policy["statement"]
    return dict(found)


@pytest.mark.parametrize("case", list(IDENTITY_CASES))
def test_identity_golden(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = run_cli(["render", "atlantis", "--only", "identity.tf", *IDENTITY_CASES[case]], capsys)
    check_golden(f"{case}.tf", text)
    everything = run_cli(["render", "atlantis", *IDENTITY_CASES[case]], capsys)
    assert everything.endswith(f"# ==> identity.tf <==\n{text}")


def test_the_pod_identity_trust_and_association(capsys: pytest.CaptureFixture[str]) -> None:
    args = IDENTITY_CASES["atlantis-pod-identity"]
    text = run_cli(["render", "atlantis", "--only", "identity.tf", *args], capsys)
    trust = statement(text)
    assert trust["effect"] == "Allow"
    assert trust["actions"] == ["sts:AssumeRole", "sts:TagSession"]
    [principal] = trust["principals"]
    assert principal["type"] == "Service"
    assert principal["identifiers"] == ["pods.eks.amazonaws.com"]
    doc = hcl2.loads(text, serialization_options=VALUE)
    [association] = [
        r["aws_eks_pod_identity_association"]["atlantis"]
        for r in doc["resource"]
        if "aws_eks_pod_identity_association" in r
    ]
    assert association["cluster_name"] == "tools"
    assert (association["namespace"], association["service_account"]) == ("atlantis", "atlantis")
    assert association["role_arn"] == "${aws_iam_role.atlantis.arn}"


def test_the_irsa_trust_names_the_service_account(capsys: pytest.CaptureFixture[str]) -> None:
    args = IDENTITY_CASES["atlantis-irsa"]
    trust = statement(run_cli(["render", "atlantis", "--only", "identity.tf", *args], capsys))
    assert trust["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    values = [c["values"] for c in trust["condition"]]
    assert values == [["system:serviceaccount:ci:atlantis-server"], ["sts.amazonaws.com"]]


@pytest.mark.real
@pytest.mark.parametrize("case", list(IDENTITY_CASES))
def test_identity_tf_is_fmt_clean_and_valid(
    case: str, terraform_bin: str, mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """terraform fmt -check, then init (hashicorp/aws from the image's mirror) and validate."""
    work = tmp_path / "stack"
    work.mkdir()
    text = run_cli(["render", "atlantis", "--only", "identity.tf", *IDENTITY_CASES[case]], capsys)
    (work / "identity.tf").write_text(text)
    proc = fmt_check(terraform_bin, work, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    env = {**os.environ, "HOME": str(tmp_path)}
    tf = Terraform(terraform_bin, work, write_cli_config(tmp_path / "cli.tfrc", mirror), env)
    tf.run("init", "-no-color", "-backend=false")
    assert "The configuration is valid" in tf.run("validate", "-no-color").stdout


def test_render_role_in_the_library() -> None:
    role = atlantis.ServiceAccountRole("pod-identity", "tools")
    files = atlantis.render_files([], role=role)
    assert list(files) == list(atlantis.FILES)
    assert files["identity.tf"] == atlantis.render_role(role)
    with pytest.raises(InputError, match="unknown identity 'oidc'"):
        atlantis.ServiceAccountRole("oidc", "tools")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--identity", "irsa"], "--identity and --atlantis-cluster go together"),
        (["--atlantis-cluster", "tools"], "--identity and --atlantis-cluster go together"),
        (["--only", "identity.tf"], "--only identity.tf needs --identity"),
        (["--identity", "irsa", "--atlantis-cluster", "tools;"], "invalid cluster name"),
        (
            [*IDENTITY_CASES["atlantis-pod-identity"], "--service-account", "atlantis"],
            "invalid service account 'atlantis'",
        ),
        (
            [*IDENTITY_CASES["atlantis-pod-identity"], "--service-account", "Ops/atlantis"],
            "invalid service account",
        ),
        (
            [*IDENTITY_CASES["atlantis-pod-identity"], "--role-name", 'x" }'],
            "invalid role name",
        ),
    ],
)
def test_bad_identity_input_is_refused(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["render", "atlantis", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err, captured.err
