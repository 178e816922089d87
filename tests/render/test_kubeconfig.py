"""render kubeconfig: golden files read back by kubectl, kubectl authenticating through a rendered
kubeconfig, several clusters described from EKS (moto), describe_all's order and progress line,
hostile input and bad requests refused."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from eks_tf_auth import cli
from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.render import kubeconfig
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET, AwsEnv
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.render import (
    CA,
    ENDPOINT,
    KUBECONFIG_CASES,
    assert_refused,
    check_golden,
    run_cli,
)
from tests.support.tools import kubectl_binary, with_bin_on_path


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


@pytest.mark.real
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


@pytest.mark.parametrize(
    "args",
    [
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


def test_kubeconfig_request_needs_a_cluster() -> None:
    with pytest.raises(InputError, match="no cluster given"):
        kubeconfig.KubeconfigRequest((), ClusterRequest(region="eu-west-1"))


def test_kubeconfig_needs_a_region(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_REGION")
    assert cli.main(["render", "kubeconfig", "--cluster-name", "prod"]) == 2
    assert "no region given" in capsys.readouterr().err


# --- a user and a context per role; DescribeCluster with its own profile -----------------------

DEPLOY = "arn:aws:iam::123456789012:role/deploy"
READ_ONLY = "arn:aws:iam::123456789012:role/team/read-only"
TWO_ROLES = ["--cluster-name", "prod", "--region", "eu-west-1", "--endpoint", ENDPOINT]
TWO_ROLES += ["--ca-data", CA, "--role-arn", DEPLOY, "--role-arn", READ_ONLY, "--profile", "ci"]


@pytest.mark.real
def test_two_roles_golden_and_kubectl_view(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = run_cli(["render", "kubeconfig", *TWO_ROLES], capsys)
    check_golden("kubeconfig-two-roles.yaml", text)
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    proc = subprocess.run(
        [kubectl_binary("1.33"), "config", "get-contexts", "--kubeconfig", str(path), "-o", "name"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["prod-deploy", "prod-read-only"]


def names(doc: dict[str, list[dict[str, object]]], section: str) -> list[object]:
    return [e["name"] for e in doc[section]]


def test_each_role_gets_its_own_user_and_context(capsys: pytest.CaptureFixture[str]) -> None:
    doc = yaml.safe_load(run_cli(["render", "kubeconfig", *TWO_ROLES], capsys))
    assert names(doc, "clusters") == ["prod"]
    assert names(doc, "contexts") == names(doc, "users") == ["prod-deploy", "prod-read-only"]
    assert [c["context"]["user"] for c in doc["contexts"]] == ["prod-deploy", "prod-read-only"]
    args = [u["user"]["exec"]["args"] for u in doc["users"]]
    assert args == [
        ["exec", "--role-arn", DEPLOY, "--profile", "ci"],
        ["exec", "--role-arn", READ_ONLY, "--profile", "ci"],
    ]
    assert doc["current-context"] == "prod-deploy"


def test_merges_one_role_at_a_time_keep_every_role(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """What `aws eks update-kubeconfig` cannot do: a second role's merge replaces no user."""
    path = tmp_path / "config"
    base = ["render", "kubeconfig", *TWO_ROLES[:8], "--merge-into", str(path)]
    for argv in ([*base, "--role-arn", DEPLOY], [*base, "--role-arn", READ_ONLY], base):
        assert cli.main(argv) == 0, capsys.readouterr().err
    doc = yaml.safe_load(path.read_text())
    assert names(doc, "users") == ["prod-deploy", "prod-read-only", "prod"]
    assert names(doc, "contexts") == ["prod-deploy", "prod-read-only", "prod"]
    assert doc["users"][0]["user"]["exec"]["args"] == ["exec", "--role-arn", DEPLOY]


@pytest.mark.parametrize(
    ("alias", "roles", "contexts"),
    [
        (None, [], ["arn:aws:eks:eu-west-1:123456789012:cluster/prod"]),
        ("", [], ["prod"]),  # --alias alone: by cluster name
        ("", [DEPLOY], ["prod-deploy"]),
        ("{region}/{cluster}", [], ["eu-west-1/prod"]),
        (
            "{cluster}@{account}.{role}",
            [DEPLOY, READ_ONLY],
            ["prod@123456789012.deploy", "prod@123456789012.read-only"],
        ),
        ("team.{role}", [DEPLOY], ["team.deploy"]),
    ],
)
def test_context_names(alias: str | None, roles: list[str], contexts: list[str]) -> None:
    cluster = kubeconfig.Cluster(
        "prod", "eu-west-1", ENDPOINT, CA, "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
    )
    request = kubeconfig.KubeconfigRequest(
        ("prod",),
        ClusterRequest(region="eu-west-1"),
        alias=True if alias == "" else alias or False,
        role_arns=roles,
    )
    doc = yaml.safe_load(kubeconfig.render_kubeconfig([cluster], request))
    assert names(doc, "contexts") == contexts
    users = contexts if roles else [cluster.arn]
    assert names(doc, "users") == users


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--alias", "{cluster}"], "two contexts would be named 'prod'"),
        (["--alias", "{cluster.__class__}"], "unknown field 'cluster.__class__'"),
        (["--alias", "{role!r}"], "unknown field 'role'"),
        (["--alias", "{role:>9}"], "unknown field 'role'"),
        (["--alias", "{nope}"], "unknown field 'nope'"),
        (["--alias", "{cluster"], "invalid --alias template"),
        (["--alias", "{cluster} {role}"], "names a context 'prod deploy'"),
        (["--alias", "{{{role}}}"], "names a context '{deploy}'"),
        (["--role-arn", DEPLOY], "a role is named twice"),
        (["--role-arn", "arn:aws:iam::1:role/x"], "invalid role ARN"),
    ],
)
def test_bad_roles_and_templates_are_refused(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["render", "kubeconfig", *TWO_ROLES, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err, err


def test_describe_profile_is_for_describe_cluster_only(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DescribeCluster runs as --describe-profile (its region too, without --region); the exec
    user keeps --profile and its roles."""
    from eks_tf_auth.aws import eks

    aws_env.config_file.write_text(
        "[profile admin]\nregion = ap-south-1\naws_access_key_id = AKIAADMIN\n"
        "aws_secret_access_key = admin-secret\n"
    )
    monkeypatch.delenv("AWS_REGION")
    calls: list[tuple[str | None, str, str]] = []

    @dataclass(frozen=True)
    class Described:  # the fields of eks.Cluster that render reads
        name: str
        endpoint: str
        certificate_authority_data: str
        arn: str

    def describe(
        profile: str | None, creds: object, *, name: str, region: str, environ: object
    ) -> Described:
        calls.append((profile, getattr(creds, "access_key_id", ""), region))
        return Described(name, ENDPOINT, CA, f"arn:aws:eks:{region}:123456789012:cluster/{name}")

    monkeypatch.setattr(eks, "describe_cluster", describe)
    argv = ["render", "kubeconfig", "--cluster-name", "prod", "--describe-profile", "admin"]
    argv += ["--profile", "ci-that-is-not-here", "--role-arn", DEPLOY]
    doc = yaml.safe_load(run_cli(argv, capsys))
    assert calls == [("admin", "AKIAADMIN", "ap-south-1")]
    [user] = doc["users"]
    assert user["user"]["exec"]["args"] == [
        "exec",
        "--role-arn",
        DEPLOY,
        "--profile",
        "ci-that-is-not-here",
    ]
    assert doc["clusters"][0]["cluster"]["extensions"][0]["extension"]["region"] == "ap-south-1"
    offline = [*argv, "--region", "eu-west-1", "--endpoint", ENDPOINT, "--ca-data", CA]
    assert cli.main(offline) == 2
    assert "--describe-profile is for DescribeCluster" in capsys.readouterr().err


@pytest.mark.real
def test_two_roles_each_authenticate_as_their_own_role(
    aws_env: AwsEnv, moto_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both contexts of a two-role kubeconfig reach the API double through `eks-tf-auth exec`,
    which assumes each context's role in moto's STS; the double verifies every token with the
    session's secret and records the assumed role's ARN."""
    from tests.support.aws import moto_sessions

    def identity(access_key_id: str) -> Identity | None:
        session = moto_sessions().get(access_key_id)
        return None if session is None else Identity(session.arn, session.secret_access_key)

    sts_host = moto_url.split("://", 1)[1]
    with EksApiDouble(
        cluster_id="prod", identities=identity, allowed_sts_hosts=[sts_host]
    ) as double:
        argv = ["render", "kubeconfig", "--cluster-name", "prod", "--region", "eu-west-1"]
        argv += ["--endpoint", double.url.replace("127.0.0.1", "localhost")]
        argv += ["--ca-data", double.ca_data, "--role-arn", DEPLOY, "--role-arn", READ_ONLY]
        path = tmp_path / "kubeconfig"
        path.write_text(run_cli(argv, capsys))
        env = with_bin_on_path({**aws_env.env, "AWS_ENDPOINT_URL_STS": moto_url})
        env.pop("AWS_REGION")
        seen: dict[str, set[str | None]] = {}
        for context in ("prod-deploy", "prod-read-only"):
            before = len(double.requests)
            proc = subprocess.run(
                [
                    *(kubectl_binary("1.33"), "--kubeconfig", str(path), "--context", context),
                    *("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"),
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert proc.returncode == 0, proc.stderr
            seen[context] = {r.arn for r in double.requests[before:]}
            assert {r.username for r in double.requests[before:]} == {proc.stdout}
    assert {context: len(arns) for context, arns in seen.items()} == {
        "prod-deploy": 1,
        "prod-read-only": 1,
    }
    deploy, read_only = (str(next(iter(arns))) for arns in seen.values())
    assert deploy.startswith("arn:aws:sts::123456789012:assumed-role/deploy/")
    assert read_only.startswith("arn:aws:sts::123456789012:assumed-role/read-only/")
