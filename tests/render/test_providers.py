"""render provider: golden files for every case, terraform fmt and python-hcl2 on every snippet,
every source x helm syntax fmt-clean, the kubectl provider's required_providers entry, the default
module source fetched by `terraform init`, any accepted --module-source read back unchanged by
python-hcl2 and by Terraform, hostile input and bad requests refused."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hypothesis import given, settings

from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.render import release
from eks_tf_auth.render.providers import (
    DEFAULT_MODULE_SOURCE,
    KUBECTL_SOURCE,
    ProviderRequest,
    Source,
    render_providers,
)
from tests.render.strategies import TEXT, refusable
from tests.support.aws import AwsEnv
from tests.support.render import CA, ENDPOINT, ROLE, assert_refused, check_golden, run_cli
from tests.support.terraform import Terraform, fmt_check, write_cli_config
from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
VALUE = hcl2.SerializationOptions(strip_string_quotes=True)

PROVIDER_CASES: dict[str, list[str]] = {
    "provider-module": ["--cluster-name", "prod"],
    "provider-module-full": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--role-arn",
        ROLE,
        "--profile",
        "ci",
        "--api-version",
        "client.authentication.k8s.io/v1",
    ],
    "provider-data": ["--cluster-name", "prod", "--region", "eu-west-1", "--source", "data"],
    "provider-literal-helm3": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--source",
        "literal",
        "--endpoint",
        ENDPOINT,
        "--ca-data",
        CA,
        "--provider",
        "helm",
        "--helm-syntax",
        "attribute",
    ],
    "provider-aws-cli-kubernetes": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--source",
        "data",
        "--command",
        "aws",
        "--role-arn",
        ROLE,
        "--provider",
        "kubernetes",
        "--alias",
        "prod",
    ],
}


@pytest.mark.real
@pytest.mark.parametrize("case", list(PROVIDER_CASES))
def test_provider_golden_fmt_and_hcl2(
    case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = run_cli(["render", "provider", *PROVIDER_CASES[case]], capsys)
    check_golden(f"{case}.tf", text)
    parsed = hcl2.loads(text)
    assert parsed["provider"], parsed
    path = tmp_path / "main.tf"
    path.write_text(text)
    proc = fmt_check(require_tool("terraform"), path, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "v1alpha1" not in text
    assert not re.search(r"^\s*token\s*=", text, re.M)  # exec only, never a static token


@pytest.mark.real
@pytest.mark.parametrize("source", list(Source))
@pytest.mark.parametrize("helm", ["block", "attribute"])
def test_every_provider_combination_is_fmt_clean(source: Source, helm: str, tmp_path: Path) -> None:
    text = render_providers(
        ProviderRequest(
            ClusterRequest(cluster_name="prod", region="eu-west-1", role_arn=ROLE, profile="ci"),
            source=source,
            helm_syntax=helm,
            endpoint=ENDPOINT,
            ca_data=CA,
        )
    )
    labels = [next(iter(block)).strip('"') for block in hcl2.loads(text)["provider"]]
    assert labels == ["kubernetes", "helm", "kubectl"]
    path = tmp_path / "main.tf"
    path.write_text(text)
    proc = fmt_check(require_tool("terraform"), path, tmp_path)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["provider", "--cluster-name", 'prod" {}\nprovider "x'],
        ["provider", "--cluster-name", "prod", "--region", "eu-west-1\n"],
        ["provider", "--cluster-name", "prod", "--role-arn", 'arn:aws:iam::123456789012:role/x"'],
        ["provider", "--cluster-name", "prod", "--profile", "ci ${evil}"],
        ["provider", "--cluster-name", "prod", "--alias", "a b"],
        ["provider", "--cluster-name", "prod", "--command", "eks-tf-auth\nrm -rf /"],
        ["provider", "--cluster-name", "prod", "--source", "literal", "--region", "eu-west-1"],
        [
            "provider",
            "--cluster-name",
            "prod",
            "--source",
            "literal",
            "--region",
            "eu-west-1",
            "--endpoint",
            'https://x" , y',
            "--ca-data",
            CA,
        ],
        [
            "provider",
            "--cluster-name",
            "prod",
            "--source",
            "literal",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            base64.b64encode(b"not a cert").decode(),
        ],
        ["provider", "--cluster-name", "prod", "--source", "data"],
        ["provider", "--cluster-name", "prod", "--module-source", "./modules/cafe\u0301"],
        ["provider", "--cluster-name", "prod", "--module-source", "./m\udcff"],
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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"providers": ("kubernetes", "nomad")}, "unknown provider"),
        ({"providers": ()}, "none given"),
        ({"helm_syntax": "yaml"}, "unknown helm syntax"),
        ({"api_version": "client.authentication.k8s.io/v1alpha1"}, "removed in Kubernetes 1.24"),
        (
            {"api_version": "client.authentication.k8s.io/v2"},
            "unsupported ExecCredential apiVersion",
        ),
    ],
)
def test_provider_request_checks(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        render_providers(
            ProviderRequest(
                ClusterRequest(cluster_name="prod", region="eu-west-1"),
                **kwargs,  # type: ignore[arg-type]
            )
        )


def test_a_provider_request_needs_a_cluster_name() -> None:
    with pytest.raises(InputError, match="no cluster given"):
        ProviderRequest(ClusterRequest(region="eu-west-1"))


@pytest.mark.parametrize("source", [Source.DATA, Source.LITERAL])
def test_exec_arguments_need_a_region_outside_the_module(source: Source) -> None:
    """The library call without `with_region`: the region must be in the request."""
    request = ProviderRequest(
        ClusterRequest(cluster_name="prod"), source=source, endpoint=ENDPOINT, ca_data=CA
    )
    with pytest.raises(InputError, match="--region is needed with --source data or literal"):
        render_providers(request)


def parsed(text: str) -> dict[str, Any]:
    """python-hcl2's reading, string values unquoted and unescaped."""
    doc: dict[str, Any] = hcl2.loads(text, serialization_options=VALUE)
    return doc


@pytest.mark.parametrize(
    ("providers", "entry"),
    [
        (("kubernetes", "helm", "kubectl"), True),
        (("kubectl",), True),
        (("kubernetes", "helm"), False),
    ],
)
def test_the_kubectl_provider_comes_with_its_required_providers_entry(
    providers: tuple[str, ...], entry: bool
) -> None:
    """Without it Terraform resolves `kubectl` to hashicorp/kubectl, which does not exist."""
    doc = parsed(render_providers(ProviderRequest(ClusterRequest(cluster_name="prod"), providers)))
    if not entry:
        assert "terraform" not in doc
        return
    [terraform] = doc["terraform"]
    [required] = terraform["required_providers"]
    assert required["kubectl"]["source"] == KUBECTL_SOURCE == "alekc/kubectl"
    assert required["kubectl"]["version"].startswith(">= 2.")
    assert set(required) - {"kubectl"} <= {"__comments__", "__is_block__"}


def test_the_default_module_source_is_this_repository_at_the_pinned_ref() -> None:
    doc = parsed(render_providers(ProviderRequest(ClusterRequest(cluster_name="prod"))))
    source = doc["module"][0]["eks"]["source"]
    assert source == DEFAULT_MODULE_SOURCE == release.MODULE_SOURCE
    assert source == (
        f"git::{release.REPOSITORY}.git//terraform/modules/eks-exec-auth?ref={release.REF}"
    )
    assert re.fullmatch(r"[0-9a-f]{40}", release.REF)  # a commit: a tag or branch could move


@pytest.mark.real
def test_terraform_init_fetches_the_default_module_source(
    terraform_bin: str, mirror: Path, tmp_path: Path
) -> None:
    """The rendered module block as written, with the repository URL pointed at this clone:
    Terraform's git getter takes the `//` subdirectory and the `?ref=` commit."""
    require_tool("git")
    text = render_providers(ProviderRequest(ClusterRequest(cluster_name="prod")))
    module_block = text[text.index('module "eks"') : text.index('provider "kubernetes"')]
    local = f"git::file://{ROOT}//"
    assert module_block.count(f"git::{release.REPOSITORY}.git//") == 1
    work = tmp_path / "stack"
    work.mkdir()
    (work / "main.tf").write_text(module_block.replace(f"git::{release.REPOSITORY}.git//", local))
    env = {**os.environ, "HOME": str(tmp_path)}
    tf = Terraform(terraform_bin, work, write_cli_config(tmp_path / "cli.tfrc", mirror), env)
    tf.run("init", "-no-color", "-backend=false")
    manifest = json.loads((work / ".terraform" / "modules" / "modules.json").read_text())
    [entry] = [m for m in manifest["Modules"] if m["Key"] == "eks"]
    fetched = work / entry["Dir"]  # the whole repository is fetched; Dir is the `//` subdirectory
    assert entry["Dir"].endswith(release.MODULE_PATH)
    for name in ("main.tf", "outputs.tf", "variables.tf", "versions.tf"):
        at_ref = subprocess.run(
            ["git", "show", f"{release.REF}:{release.MODULE_PATH}/{name}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert (fetched / name).read_text() == at_ref, name


@pytest.mark.real
def test_any_accepted_module_source_is_fmt_clean_and_terraform_reads_it_back(
    terraform_bin: str, tmp_path: Path
) -> None:
    """Hypothesis renders a few hundred --module-source values (python-hcl2 must read each back
    exactly); then one `terraform fmt -check` covers every snippet and one `terraform console`
    evaluates every rendered source literal, which must equal the value given."""
    accepted: dict[str, str] = {}

    @settings(max_examples=300, deadline=None, database=None)
    @given(TEXT)
    def render_one(text: str) -> None:
        try:
            out = render_providers(
                ProviderRequest(ClusterRequest(cluster_name="prod"), module_source=text)
            )
        except InputError:
            assert refusable(text), text
            return
        assert not refusable(text), text
        assert parsed(out)["module"][0]["eks"]["source"] == text
        accepted[text] = out

    render_one()
    assert len(accepted) > 50
    snippets = tmp_path / "snippets"
    snippets.mkdir()
    literals = []
    for i, out in enumerate(accepted.values()):
        (snippets / f"case{i}.tf").write_text(out)
        [line] = [ln for ln in out.splitlines() if ln.startswith("  source = ")]
        literals.append(line.removeprefix("  source = "))
    proc = fmt_check(terraform_bin, snippets, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    evaluated = tmp_path / "evaluated"
    evaluated.mkdir()
    body = "".join(f"    {literal},\n" for literal in literals)
    (evaluated / "main.tf").write_text(f"locals {{\n  values = [\n{body}  ]\n}}\n")
    proc = fmt_check(terraform_bin, evaluated, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    console = subprocess.run(
        [terraform_bin, "console", "-no-color"],
        input="base64encode(jsonencode(local.values))\n",
        cwd=evaluated,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": str(tmp_path / "none.tfrc")},
    )
    assert console.returncode == 0, console.stderr
    read = json.loads(base64.b64decode(console.stdout.strip().strip('"')))
    assert read == list(accepted)
