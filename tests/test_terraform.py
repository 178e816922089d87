"""terraform/modules and examples/ with the real terraform binary, offline.

eks-exec-auth is init-ed, validated and applied against moto, and its kubeconfig drives kubectl.
eks-external-auth and the examples need providers the image's mirror does not hold (external,
kubernetes, helm, kubectl), so they are only checked with `terraform fmt -check` and parsed
with python-hcl2.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import hcl2
import pytest
import yaml

from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.terraform import Terraform, fmt_check, tf_files, write_cli_config
from tests.support.tools import kubectl_whoami, with_bin_on_path

pytestmark = pytest.mark.real

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "terraform" / "modules" / "eks-exec-auth"
TF_ROOTS = [ROOT / "terraform", ROOT / "examples"]


def test_fmt_check(terraform_bin: str, tmp_path: Path) -> None:
    for root in TF_ROOTS:
        if not root.exists():
            continue
        proc = fmt_check(terraform_bin, root, tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", tf_files(TF_ROOTS), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_tf_file_parses_with_python_hcl2(path: Path) -> None:
    with path.open() as f:
        assert isinstance(hcl2.load(f), dict)


ROOT_CONFIG = """
variable "moto_url" { type = string }
variable "module_args" {
  type    = any
  default = {}
}

provider "aws" {
  region                      = "us-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    eks = var.moto_url
    sts = var.moto_url
  }
}

module "eks" {
  source       = "MODULE"
  cluster_name = "prod"
  role_arn     = try(var.module_args.role_arn, null)
  profile      = try(var.module_args.profile, null)
  command      = try(var.module_args.command, "eks-tf-auth")
  api_version  = try(var.module_args.api_version, "client.authentication.k8s.io/v1beta1")
  region       = try(var.module_args.region, null)
}

output "host" { value = module.eks.host }
output "exec" { value = module.eks.exec }
output "kubeconfig" { value = module.eks.kubeconfig }
output "ca_pem_head" { value = split("\\n", module.eks.cluster_ca_certificate)[0] }
"""


@pytest.fixture
def stack(
    terraform_bin: str,
    mirror: Path,
    tmp_path: Path,
    aws_env: AwsEnv,
    moto_url: str,
    moto_cluster: str,
) -> Iterator[Terraform]:
    workdir = tmp_path / "stack"
    workdir.mkdir()
    (workdir / "main.tf").write_text(ROOT_CONFIG.replace("MODULE", str(MODULE)))
    cli_config = write_cli_config(tmp_path / "terraform.tfrc", mirror)
    env = with_bin_on_path(aws_env.env)
    tf = Terraform(terraform_bin, workdir, cli_config, env)
    tf.run("init", "-no-color")
    yield tf


def apply(tf: Terraform, moto_url: str, **module_args: str) -> dict[str, object]:
    tf.run(
        "apply",
        "-auto-approve",
        "-no-color",
        f"-var=moto_url={moto_url}",
        f"-var=module_args={json.dumps(module_args)}",
    )
    outputs = json.loads(tf.run("output", "-json").stdout)
    return {name: value["value"] for name, value in outputs.items()}


def test_module_validates(terraform_bin: str, mirror: Path, tmp_path: Path) -> None:
    cli_config = write_cli_config(tmp_path / "terraform.tfrc", mirror)
    work = tmp_path / "module"
    work.mkdir()
    for f in MODULE.glob("*.tf"):
        (work / f.name).write_text(f.read_text())
    tf = Terraform(terraform_bin, work, cli_config, os.environ)
    tf.run("init", "-no-color", "-backend=false")
    assert "Success" in tf.run("validate", "-no-color").stdout


def test_module_outputs_against_moto(stack: Terraform, moto_url: str) -> None:
    out = apply(stack, moto_url)
    assert isinstance(out["host"], str) and ".us-west-2.eks.amazonaws.com" in out["host"]
    assert out["exec"] == {
        "api_version": "client.authentication.k8s.io/v1beta1",
        "command": "eks-tf-auth",
        "args": ["exec", "--cluster-name", "prod", "--region", "us-west-2"],
        "env": {},
    }
    assert out["ca_pem_head"] == "-----BEGIN CERTIFICATE-----"
    assert isinstance(out["kubeconfig"], str)
    config = yaml.safe_load(out["kubeconfig"])
    assert config["clusters"][0]["cluster"]["server"] == out["host"]
    user = config["users"][0]["user"]["exec"]
    assert user["args"] == ["exec", "--cluster-name", "prod", "--region", "us-west-2"]
    assert user["env"] is None and "interactiveMode" not in user


def test_module_role_profile_v1_and_aws_cli(stack: Terraform, moto_url: str) -> None:
    role = "arn:aws:iam::123456789012:role/deploy"
    out = apply(
        stack, moto_url, role_arn=role, profile="ci", api_version="client.authentication.k8s.io/v1"
    )
    exec_block = out["exec"]
    assert isinstance(exec_block, dict)
    assert exec_block["args"] == [
        "exec",
        "--cluster-name",
        "prod",
        "--region",
        "us-west-2",
        "--role-arn",
        role,
        "--profile",
        "ci",
    ]
    assert exec_block["env"] == {"AWS_PROFILE": "ci"}
    assert isinstance(out["kubeconfig"], str)
    user = yaml.safe_load(out["kubeconfig"])["users"][0]["user"]["exec"]
    assert user["interactiveMode"] == "Never"
    assert user["env"] == [{"name": "AWS_PROFILE", "value": "ci"}]

    out = apply(stack, moto_url, command="aws")
    exec_block = out["exec"]
    assert isinstance(exec_block, dict)
    assert exec_block["args"] == [
        "--region",
        "us-west-2",
        "eks",
        "get-token",
        "--cluster-name",
        "prod",
        "--output",
        "json",
    ]


@pytest.mark.parametrize(
    ("module_args", "message"),
    [
        ({"region": "eu-west-1"}, "region must match the AWS provider's region"),
        ({"api_version": "client.authentication.k8s.io/v1alpha1"}, "v1alpha1 was removed"),
        ({"role_arn": "deploy"}, "role_arn must look like"),
    ],
)
def test_module_refuses_bad_inputs(
    stack: Terraform, moto_url: str, module_args: dict[str, str], message: str
) -> None:
    proc = stack.run(
        "plan",
        "-no-color",
        f"-var=moto_url={moto_url}",
        f"-var=module_args={json.dumps(module_args)}",
        check=False,
    )
    assert proc.returncode != 0
    assert message in " ".join(proc.stderr.split()), proc.stderr


def test_module_kubeconfig_authenticates_kubectl(
    stack: Terraform, moto_url: str, aws_env: AwsEnv, tmp_path: Path
) -> None:
    out = apply(stack, moto_url)
    assert isinstance(out["kubeconfig"], str)
    config = yaml.safe_load(out["kubeconfig"])
    identities = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    with EksApiDouble(cluster_id="prod", identities=identities) as double:
        # moto's endpoint and CA are not real: point the module's kubeconfig at the double.
        config["clusters"][0]["cluster"]["server"] = double.url
        config["clusters"][0]["cluster"]["certificate-authority-data"] = double.ca_data
        path = tmp_path / "kubeconfig.yaml"
        path.write_text(yaml.safe_dump(config))
        proc = kubectl_whoami(path, with_bin_on_path(aws_env.env))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == TEST_ARN


MODULES = sorted(p for p in (ROOT / "terraform" / "modules").iterdir() if p.is_dir())


def _declared(module: Path, kind: str) -> dict[str, str]:
    """name -> description of the module's variables or outputs."""
    found: dict[str, str] = {}
    for tf in module.glob("*.tf"):
        with tf.open() as f:
            for block in hcl2.load(f).get(kind, []):
                for name, body in block.items():
                    text = body.get("description", '""')  # python-hcl2 keeps the quotes
                    found[name.strip('"')] = json.loads(text)
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_readme_tables_match_the_code(module: Path) -> None:
    readme = (module / "README.md").read_text()
    for kind in ("variable", "output"):
        declared = _declared(module, kind)
        assert declared, f"{module.name} declares no {kind}s"
        for name, description in declared.items():
            assert f"| `{name}` | {description} |" in readme, f"{module.name}: {kind} {name}"
