"""examples/: the kubeconfigs load in kubectl and authenticate through eks-tf-auth exec; the
Atlantis configs parse and lint the saved plan; the legacy example is the anti-pattern."""

from __future__ import annotations

import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml

from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.tools import kubectl_binary, kubectl_whoami, with_bin_on_path

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


def test_atlantis_repos_yaml_declares_plan_lint_and_apply_of_the_saved_plan() -> None:
    """Reads the example's YAML (no Atlantis runs here): the steps are declared as intended."""
    repos = yaml.safe_load((EXAMPLES / "atlantis" / "repos.yaml").read_text())
    steps = repos["workflows"]["eks"]
    plan_runs = [s["run"] for s in steps["plan"]["steps"] if isinstance(s, dict) and "run" in s]
    assert any("-out" in r and "$PLANFILE" in r for r in plan_runs)
    assert any(r.startswith("eks-tf-auth lint") and "$SHOWFILE" in r for r in plan_runs)
    apply_runs = [s["run"] for s in steps["apply"]["steps"] if isinstance(s, dict)]
    assert any("apply" in r and "$PLANFILE" in r for r in apply_runs)
    project = yaml.safe_load((EXAMPLES / "atlantis" / "atlantis.yaml").read_text())
    assert project["version"] == 3
    assert all(p.get("workflow") == "eks" for p in project["projects"])
    dockerfile = (EXAMPLES / "atlantis" / "Dockerfile").read_text()
    assert "eks-tf-auth" in dockerfile and "awscli" not in dockerfile


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
