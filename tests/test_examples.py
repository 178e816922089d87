"""examples/: the kubeconfigs load in kubectl and authenticate through eks-tf-auth exec; the
Atlantis configs parse, fail the plan on the legacy stack's saved plan (and pass an exec-block
stack's), report in a custom policy check, apply the saved plan, install a commit that exists, and
agree with `render atlantis`; no example installs from PyPI; the legacy example is the
anti-pattern."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import hcl2
import pytest
import yaml

from eks_tf_auth.render import atlantis, release
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.tools import (
    clean_env,
    kubectl_binary,
    kubectl_whoami,
    require_tool,
    with_bin_on_path,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KUBECONFIGS = sorted((EXAMPLES / "kubeconfig").glob("*.yaml"))


def test_every_example_has_a_readme() -> None:
    dirs = [d for d in EXAMPLES.iterdir() if d.is_dir()]
    assert {d.name for d in dirs} >= {
        "kubernetes-provider",
        "external-data-source",
        "kubeconfig",
        "atlantis",
        "legacy-token",
    }
    for d in dirs:
        assert (d / "README.md").read_text().strip(), d


@pytest.mark.real
@pytest.mark.parametrize("path", KUBECONFIGS, ids=lambda p: p.name)
def test_kubeconfig_loads_in_kubectl(path: Path) -> None:
    proc = subprocess.run(
        [kubectl_binary("1.33"), "config", "view", "--kubeconfig", str(path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"command": "eks-tf-auth"' in proc.stdout


@pytest.mark.real
@pytest.mark.parametrize("path", KUBECONFIGS, ids=lambda p: p.name)
def test_kubeconfig_authenticates_against_the_api_double(
    path: Path, aws_env: AwsEnv, tmp_path: Path
) -> None:
    config = yaml.safe_load(path.read_text())
    cluster = config["clusters"][0]["cluster"]
    assert ".eu-west-1.eks.amazonaws.com" in cluster["server"]
    identities = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    with EksApiDouble(cluster_id="my-cluster", identities=identities) as double:
        cluster["server"] = double.url
        cluster["certificate-authority-data"] = double.ca_data
        copy = tmp_path / path.name
        copy.write_text(yaml.safe_dump(config))
        env = {k: v for k, v in aws_env.env.items() if k != "AWS_REGION"}  # from the config
        proc = kubectl_whoami(copy, with_bin_on_path(env))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == TEST_ARN


def example_workflow() -> tuple[dict[str, object], dict[str, list[object]]]:
    repos = yaml.safe_load((EXAMPLES / "atlantis" / "repos.yaml").read_text())
    [repo] = repos["repos"]
    return repo, {stage: spec["steps"] for stage, spec in repos["workflows"]["eks"].items()}


def runs(steps: list[object]) -> list[str]:
    return [s["run"] for s in steps if isinstance(s, dict) and "run" in s]


def test_atlantis_repos_yaml_fails_the_plan_checks_policy_and_applies_the_saved_plan() -> None:
    """Reads the example's YAML (no Atlantis runs here): the steps are declared as intended."""
    repo, steps = example_workflow()
    plan = runs(steps["plan"])
    assert steps["plan"][0] == "init"
    assert plan[0].startswith("terraform plan") and '-out "$PLANFILE"' in plan[0]
    assert plan[-1] == atlantis.PLAN_LINT == 'eks-tf-auth lint "$PLANFILE"'  # exit-code mode
    assert not any("--atlantis" in r for r in plan)  # that format always exits 0
    assert repo["policy_check"] is True and repo["custom_policy_check"] is True
    assert steps["policy_check"] == ["show", {"run": atlantis.POLICY_CHECK_LINT}]
    assert runs(steps["apply"]) == ['terraform apply -input=false "$PLANFILE"']
    assert "--enable-policy-checks" in (EXAMPLES / "atlantis" / "repos.yaml").read_text()
    project = yaml.safe_load((EXAMPLES / "atlantis" / "atlantis.yaml").read_text())
    assert project["version"] == 3
    assert all(p.get("workflow") == "eks" for p in project["projects"])


def test_the_example_and_render_atlantis_agree() -> None:
    rendered = atlantis.render_files([])
    doc = yaml.safe_load(rendered["repos.yaml"])
    repo, steps = example_workflow()
    assert {k: v for k, v in doc["repos"][0].items() if k != "allow_custom_workflows"} == {
        k: v for k, v in repo.items() if k != "allow_custom_workflows"
    }
    lint_steps = {
        stage: [r for r in runs(s) if r.startswith("eks-tf-auth lint")]
        for stage, s in doc["workflows"]["eks"].items()
        for s in [s["steps"]]
    }
    assert lint_steps == {
        stage: [r for r in runs(s) if r.startswith("eks-tf-auth lint")]
        for stage, s in steps.items()
    }
    dockerfile = (EXAMPLES / "atlantis" / "Dockerfile").read_text()
    for text in (dockerfile, rendered["Dockerfile"]):
        assert f"pip install --no-cache-dir {release.PIP_REQUIREMENT} " in text
        assert "apk add --no-cache git python3 py3-pip" in text
        assert re.search(r"FROM ghcr\.io/runatlantis/atlantis:v[0-9.]+\n", text)
    assert atlantis.BASE_IMAGE in dockerfile and "awscli" not in dockerfile


def test_no_example_installs_from_pypi() -> None:
    """eks-tf-auth is not on PyPI yet: `pip install eks-tf-auth` and `eks-tf-auth==0.1.0` fail."""
    roots = [EXAMPLES, EXAMPLES.parent / "terraform"]
    for path in sorted(p for root in roots for p in root.rglob("*") if p.is_file()):
        text = path.read_text(errors="replace")
        assert not re.search(r"install (--\S+ )*eks-tf-auth(\s|==|$)", text), path
        assert "@v0.1.0" not in text and "ref=v0.1.0" not in text, path


def saved_plan_of(stack: Path, plan: Path, modules: dict[str, Path]) -> Path:
    """A saved plan as Terraform lays one out for lint to read: the configuration snapshot
    (tfconfig/m-KEY/ per module and tfconfig/modules.json). These stacks need the kubernetes
    provider, which the offline mirror does not hold, so terraform cannot plan them here;
    tests/lint/test_plans.py reads plans real terraform wrote."""
    entries = [{"Key": "", "Source": "", "Dir": "."}]
    with zipfile.ZipFile(plan, "w") as archive:
        for key, directory in {"": stack, **modules}.items():
            for tf in sorted(directory.glob("*.tf")):
                archive.writestr(f"tfconfig/m-{key}/{tf.name}", tf.read_text())
            if key:
                source = os.path.relpath(directory, stack)
                entries.append({"Key": key, "Source": source, "Dir": source})
        archive.writestr("tfconfig/modules.json", json.dumps(entries))
    return plan


@pytest.mark.real
@pytest.mark.parametrize(
    ("stack", "modules", "code"),
    [
        ("legacy-token", {}, 1),
        ("kubernetes-provider", {"eks": EXAMPLES.parent / "terraform/modules/eks-exec-auth"}, 0),
    ],
)
def test_the_plan_stage_lint_step_as_written(
    stack: str, modules: dict[str, Path], code: int, tmp_path: Path
) -> None:
    """The example's plan-stage lint step, run by a shell in the project directory with
    Atlantis's $PLANFILE: it fails the legacy stack's plan and passes an exec-block stack's."""
    [step] = [r for r in runs(example_workflow()[1]["plan"]) if r.startswith("eks-tf-auth")]
    work = tmp_path / stack
    shutil.copytree(EXAMPLES / stack, work)
    plan = saved_plan_of(EXAMPLES / stack, tmp_path / "cluster-addons-default.tfplan", modules)
    env = with_bin_on_path(clean_env(os.environ))
    env.update(PLANFILE=str(plan), SHOWFILE=str(tmp_path / "cluster-addons-default.json"))
    proc = subprocess.run(
        [require_tool("sh"), "-c", step],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    if code:
        assert f"{plan}!main.tf:20:3: ETA001" in proc.stdout


def test_legacy_example_is_the_anti_pattern_and_the_others_are_not() -> None:
    def data_sources(directory: Path) -> set[str]:
        found: set[str] = set()
        for tf in directory.glob("*.tf"):
            with tf.open() as f:
                for block in hcl2.load(f).get("data", []):
                    found.update(label.strip('"') for label in block)  # labels keep quotes
        return found

    assert "aws_eks_cluster_auth" in data_sources(EXAMPLES / "legacy-token")
    for name in ("kubernetes-provider", "external-data-source"):
        assert "aws_eks_cluster_auth" not in data_sources(EXAMPLES / name)
