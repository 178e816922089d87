"""render: golden files for every template, terraform fmt and python-hcl2 on every HCL snippet,
kubectl on every kubeconfig, merges like aws eks update-kubeconfig, hostile input refused."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.errors import InputError
from eks_tf_auth.files import write_atomic
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.render import env as render
from eks_tf_auth.render import kubeconfig
from eks_tf_auth.render.providers import ProviderRequest, Source, render_providers
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.terraform import fmt_check
from tests.support.tools import kubectl_binary, require_tool, with_bin_on_path

GOLDEN = Path(__file__).resolve().parent / "assets" / "render"
REGENERATE = os.environ.get("EKS_TF_AUTH_REGENERATE_GOLDEN") == "1"
CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
ENDPOINT = "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com"
ROLE = "arn:aws:iam::123456789012:role/deploy"

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
KUBECONFIG_CASES: dict[str, list[str]] = {
    "kubeconfig-v1": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--endpoint",
        ENDPOINT,
        "--ca-data",
        CA,
    ],
    "kubeconfig-v1beta1-role-profile": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--endpoint",
        ENDPOINT,
        "--ca-data",
        CA,
        "--api-version",
        "client.authentication.k8s.io/v1beta1",
        "--role-arn",
        ROLE,
        "--profile",
        "ci",
    ],
}
ATLANTIS_CASES: dict[str, list[str]] = {
    "atlantis": ["--cluster-name", "prod", "--cluster-name", "staging", "--region", "eu-west-1"],
    "atlantis-plain": [],
}


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run with EKS_TF_AUTH_REGENERATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from its golden file"


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


@pytest.mark.real
@pytest.mark.parametrize("case", list(KUBECONFIG_CASES))
def test_kubeconfig_golden_and_kubectl_view(
    case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = run_cli(["render", "kubeconfig", *KUBECONFIG_CASES[case]], capsys)
    check_golden(f"{case}.yaml", text)
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    proc = subprocess.run(
        [kubectl_binary("1.33"), "config", "view", "--kubeconfig", str(path), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    viewed = json.loads(proc.stdout)
    assert viewed["users"][0]["user"]["exec"]["provideClusterInfo"] is True


@pytest.mark.real
@pytest.mark.parametrize(
    "api_version", ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]
)
def test_rendered_kubeconfig_authenticates_kubectl(
    api_version: str, aws_env: AwsEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identities = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    with EksApiDouble(cluster_id="prod", identities=identities) as double:
        text = run_cli(
            [
                "render",
                "kubeconfig",
                "--cluster-name",
                "prod",
                "--region",
                "eu-west-1",
                "--endpoint",
                double.url.replace("127.0.0.1", "localhost"),
                "--ca-data",
                double.ca_data,
                "--api-version",
                api_version,
            ],
            capsys,
        )
        path = tmp_path / "kubeconfig"
        path.write_text(text)
        env = with_bin_on_path(aws_env.env)
        env.pop("AWS_REGION")  # the region comes from the kubeconfig's exec extension
        proc = subprocess.run(
            [kubectl_binary("1.33"), "--kubeconfig", str(path), "get", "namespaces", "-o", "name"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert "namespace/default" in proc.stdout
    assert {r.username for r in double.requests} == {TEST_ARN}


def test_describes_several_clusters_from_eks(
    aws_env: AwsEnv, moto_url: str, moto_cluster: str
) -> None:
    import boto3

    eks = boto3.client(
        "eks",
        region_name="us-west-2",
        endpoint_url=moto_url,
        aws_access_key_id=TEST_ACCESS_KEY,
        aws_secret_access_key=TEST_SECRET,
    )
    if "staging" not in eks.list_clusters()["clusters"]:
        eks.create_cluster(
            name="staging",
            roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": []},
        )
    from tests.support.aws import moto_cluster_ca

    moto_cluster_ca("staging")
    env = {**aws_env.env, "AWS_ENDPOINT_URL_EKS": moto_url, "AWS_ENDPOINT_URL_STS": moto_url}
    proc = aws_env.run(
        "render",
        "kubeconfig",
        "--cluster-name",
        "prod",
        "--cluster-name",
        "staging",
        "--region",
        "us-west-2",
        "--alias",
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    doc = yaml.safe_load(proc.stdout)
    arns = [c["name"] for c in doc["clusters"]]
    assert arns == [
        "arn:aws:eks:us-west-2:123456789012:cluster/prod",
        "arn:aws:eks:us-west-2:123456789012:cluster/staging",
    ]
    assert [c["name"] for c in doc["contexts"]] == ["prod", "staging"]  # --alias
    assert doc["current-context"] == "prod"
    missing = aws_env.run(
        "render", "kubeconfig", "--cluster-name", "nope", "--region", "us-west-2", env=env
    )
    assert missing.returncode == 1
    assert "cluster 'nope' in us-west-2 not found" in missing.stderr


EXISTING = """\
apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://other.example:6443", insecure-skip-tls-verify: true}
- name: prod
  cluster: {server: "https://stale.example"}
contexts:
- name: other
  context: {cluster: other, user: other, namespace: team-a}
- name: prod
  context: {cluster: prod, user: prod}
users:
- name: other
  user: {token: keep-me}
- name: prod
  user: {token: stale}
current-context: other
preferences: {colors: true}
extensions:
- name: custom
  extension: {x: 1}
"""


def render_prod(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> Path:
    path = tmp_path / "config"
    path.write_text(EXISTING)
    path.chmod(0o640)
    code = cli.main(
        [
            "render",
            "kubeconfig",
            *KUBECONFIG_CASES["kubeconfig-v1"],
            "--merge-into",
            str(path),
            *extra,
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out == ""
    return path


def test_merge_keeps_what_it_does_not_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = render_prod(tmp_path, capsys)
    old, new = yaml.safe_load(EXISTING), yaml.safe_load(path.read_text())
    for section in ("clusters", "contexts", "users"):
        assert new[section][0] == old[section][0]  # "other" untouched, in place
        assert [e["name"] for e in new[section]] == ["other", "prod"]
    assert new["users"][1]["user"]["exec"]["command"] == "eks-tf-auth"
    assert new["clusters"][1]["cluster"]["server"] == ENDPOINT
    assert new["current-context"] == "other"  # not without --set-context
    assert new["preferences"] == {"colors": True} and new["extensions"] == old["extensions"]
    assert (tmp_path / "config.bak").read_text() == EXISTING
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "config.bak"]


def test_merge_set_context_and_new_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = render_prod(tmp_path, capsys, "--set-context")
    assert yaml.safe_load(path.read_text())["current-context"] == "prod"
    fresh = tmp_path / "new" / "config"
    assert (
        cli.main(
            ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(fresh)]
        )
        == 0
    )
    assert fresh.stat().st_mode & 0o777 == 0o600
    assert yaml.safe_load(fresh.read_text())["current-context"] == "prod"
    assert not (tmp_path / "new" / "config.bak").exists()


def test_merge_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = render_prod(tmp_path, capsys)
    once = path.read_text()
    cli.main(
        ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(path)]
    )
    assert path.read_text() == once


CRASH = """
import os, sys
from eks_tf_auth import cli
def crash(*args):
    os._exit(70)  # killed between writing the temporary file and renaming it
os.replace = crash
sys.exit(cli.main(sys.argv[1:]))
"""


def test_crash_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(EXISTING)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH,
            "render",
            "kubeconfig",
            *KUBECONFIG_CASES["kubeconfig-v1"],
            "--merge-into",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 70
    assert path.read_text() == EXISTING


@pytest.mark.parametrize("bad", ["{oops", "- a list\n", "clusters: 3\n"])
def test_merge_into_a_broken_kubeconfig_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    path = tmp_path / "config"
    path.write_text(bad)
    code = cli.main(
        ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(path)]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"eks-tf-auth: error: {path}")
    assert path.read_text() == bad


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
        [
            "kubeconfig",
            "--cluster-name",
            "prod",
            "--cluster-name",
            "prod",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            CA,
        ],
        [
            "kubeconfig",
            "--cluster-name",
            "a",
            "--cluster-name",
            "b",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            CA,
        ],
        ["kubeconfig", "--cluster-name", "prod", "--region", "eu-west-1", "--endpoint", ENDPOINT],
        [
            "kubeconfig",
            "--cluster-name",
            "prod",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            "@@@",
        ],
        [
            "kubeconfig",
            "--cluster-name",
            "prod",
            "--region",
            "eu-west-1",
            "--endpoint",
            ENDPOINT,
            "--ca-data",
            CA,
            "--command",
            "aws",
            "--profile",
            "a\nb",
        ],
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
    assert cli.main(["render", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("eks-tf-auth: error: ")
    assert len(captured.err.splitlines()) <= 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ('q"uote\\back', '"q\\"uote\\\\back"'),
        ("${var.x} and %{if}", '"$${var.x} and %%{if}"'),
        ("line\nbreak", '"line\\nbreak"'),
        (["a", "b"], '["a", "b"]'),
        ({"K": "v"}, '{ "K" = "v" }'),
        ({}, "{}"),
        (True, "true"),
        (3, "3"),
    ],
)
def test_hcl_filter(value: object, expected: str) -> None:
    assert render.hcl(value) == expected
    assert hcl2.loads(f"x = {expected}\n")


def test_hcl_filter_refuses_what_it_cannot_quote() -> None:
    with pytest.raises(TypeError):
        render.hcl(object())


def test_templates_refuse_undefined_names() -> None:
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render.render("source_data.tf.j2", name="this")


def test_kubeconfig_api_version_is_checked() -> None:
    with pytest.raises(InputError):
        kubeconfig.KubeconfigRequest(
            ("prod",), ClusterRequest(region="eu-west-1"), api_version="v9"
        )


def test_describe_all_keeps_order_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []

    def describe(name: str) -> kubeconfig.Cluster:
        return kubeconfig.Cluster(name, "eu-west-1", ENDPOINT, CA)

    found = kubeconfig.describe_all(
        describe, ["a", "b", "c"], progress=lambda d, t: seen.append((d, t))
    )
    assert [c.name for c in found] == ["a", "b", "c"]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_progress_line(capsys: pytest.CaptureFixture[str]) -> None:
    from eks_tf_auth.commands.render import _progress

    _progress(1, 2)
    _progress(2, 2)
    assert capsys.readouterr().err == "\rdescribing clusters: 1/2\rdescribing clusters: 2/2\n"


def test_aws_cli_takes_no_external_id() -> None:
    from eks_tf_auth.exec import argv

    who = ClusterRequest(cluster_name="prod", role_arn=ROLE, external_id="ext-1")
    with pytest.raises(InputError, match="no external id"):
        argv.build("/usr/local/bin/aws", who, "eu-west-1")


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


def test_kubeconfig_request_needs_a_cluster() -> None:
    with pytest.raises(InputError, match="no cluster given"):
        kubeconfig.KubeconfigRequest((), ClusterRequest(region="eu-west-1"))


def test_kubeconfig_needs_a_region(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_REGION")
    assert cli.main(["render", "kubeconfig", "--cluster-name", "prod"]) == 2
    assert "no region given" in capsys.readouterr().err


def test_merge_into_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"\xff\xfe binary")
    code = cli.main(
        ["render", "kubeconfig", *KUBECONFIG_CASES["kubeconfig-v1"], "--merge-into", str(path)]
    )
    assert code == 2 and "cannot read" in capsys.readouterr().err
    assert path.read_bytes() == b"\xff\xfe binary"


def test_failed_atomic_write_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "config"
    target.write_text("old")

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched, pytest.raises(OSError):
        patched.setattr(os, "replace", full)
        write_atomic(str(target), b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["config"] and target.read_text() == "old"


def test_ca_data_with_bad_padding() -> None:
    from eks_tf_auth import validate

    with pytest.raises(InputError, match="not base64"):
        validate.ca_data("abc")
