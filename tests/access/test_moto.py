"""Against moto (in this process): IAM GetRole restores role paths (IAM Identity Center ones
included) and EKS DescribeCluster gives the mode and versions, while a Stubber answers the
access-entry calls moto does not implement. A fleet of 20 clusters is planned on the pool with
one failing; the console script plans from a manifest and refuses to apply to a CONFIG_MAP
cluster."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from eks_tf_auth.access import plan as planning
from eks_tf_auth.access.model import Mode, Status
from eks_tf_auth.access.plan import AwsAuthData, Clients
from eks_tf_auth.aws import eks
from tests.access.support import Routed, Stubs, eks_client, item
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv

pytestmark = pytest.mark.real

ACCOUNT = "123456789012"  # moto's
REGION = "us-west-2"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/eu-west-1/"


def client(service: str, moto_url: str) -> Any:
    make: Any = boto3.client
    return make(
        service,
        region_name=REGION,
        endpoint_url=moto_url,
        aws_access_key_id=TEST_ACCESS_KEY,
        aws_secret_access_key=TEST_SECRET,
    )


def moto_cluster(moto_url: str, name: str, mode: str | None) -> None:
    """An EKS cluster in moto, with the accessConfig moto leaves out set on its backend."""
    from moto.eks.models import eks_backends

    client("eks", moto_url).create_cluster(
        name=name,
        version="1.29",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks",
        resourcesVpcConfig={"subnetIds": []},
    )
    found: Any = eks_backends[ACCOUNT][REGION].clusters[name]
    found.platformVersion = "eks.8"
    if mode is not None:
        found.access_config = {"authenticationMode": mode}


def roles(moto_url: str, suffix: str) -> dict[str, str]:
    """Roles in moto's IAM, with paths; name -> ARN."""
    iam = client("iam", moto_url)
    made = {}
    for name, path in (
        (f"AWSReservedSSO_Admin_{suffix}", SSO_PATH),
        (f"etl-{suffix}", "/teams/data/"),
        (f"ci-{suffix}", "/"),
    ):
        found = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")
        made[name] = found["Role"]["Arn"]
    return made


def aws_auth(suffix: str) -> dict[str, str]:
    arn = f"arn:aws:iam::{ACCOUNT}:role/"
    return {
        "mapRoles": item(
            f"{arn}AWSReservedSSO_Admin_{suffix}", "admin:{{SessionName}}", "system:masters"
        )
        + item(f"{arn}etl-{suffix}", "etl", "etl")
        + item(f"{arn}ci-{suffix}", "ci", "deployers")
        + item(f"{arn}missing-{suffix}", "ghost")
    }


def test_role_paths_from_moto_iam_and_the_cluster_from_moto_eks(moto_url: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    name = f"paths-{suffix}"
    moto_cluster(moto_url, name, "API_AND_CONFIG_MAP")
    made = roles(moto_url, suffix)
    stubs = Stubs(eks_client(), client("iam", moto_url))
    ci = made[f"ci-{suffix}"]
    with stubs.eks:
        stubs.entries(ci, cluster=name).entry(ci, "STANDARD", "ci", ["deployers"], cluster=name)
        stubs.policies(ci, cluster=name)
        routed: Any = Routed(client("eks", moto_url), stubs.eks_client)
        clients = Clients(routed, stubs.iam_client)
        plan = planning.gather(name, clients, AwsAuthData("test", aws_auth(suffix)), region=REGION)
    stubs.eks.assert_no_pending_responses()
    assert plan.cluster is not None and plan.cluster.authentication_mode is Mode.API_AND_CONFIG_MAP
    assert plan.cluster.account == ACCOUNT and plan.cluster.supports_access_entries
    assert [(e.principal_arn, e.status) for e in plan.entries] == [
        (made[f"AWSReservedSSO_Admin_{suffix}"], Status.CREATE),
        (made[f"etl-{suffix}"], Status.CREATE),
        (ci, Status.EXISTS),
    ]
    assert (
        SSO_PATH in plan.entries[0].principal_arn
        and "/teams/data/" in plan.entries[1].principal_arn
    )
    assert [u.code for u in plan.skipped] == ["no-such-role"]


def test_describe_cluster_through_the_identity_seam(
    moto_url: str, aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"described-{uuid.uuid4().hex[:8]}"
    moto_cluster(moto_url, name, None)
    monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", moto_url)
    from tests.access.support import CREDS

    found = eks.describe_cluster(None, CREDS, name=name, region=REGION, environ={})
    assert (found.version, found.platform_version, found.authentication_mode) == (
        "1.29",
        "eks.8",
        None,
    )


def test_a_fleet_of_20_clusters_with_one_failing(moto_url: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    names = [f"fleet-{suffix}-{n:02d}" for n in range(20)]
    for name in names:
        moto_cluster(moto_url, name, "API_AND_CONFIG_MAP")
    made = roles(moto_url, suffix)
    moto_eks, moto_iam = client("eks", moto_url), client("iam", moto_url)
    broken = names[7]
    per_cluster = {name: Stubs(eks_client(), moto_iam) for name in names}
    for name, stubs in per_cluster.items():
        if name == broken:
            stubs.eks_error("list_access_entries", "AccessDeniedException", 403)
        else:
            stubs.entries(made[f"ci-{suffix}"], cluster=name)
            stubs.entry(made[f"ci-{suffix}"], "STANDARD", "ci", ["deployers"], cluster=name)
            stubs.policies(made[f"ci-{suffix}"], cluster=name)
        stubs.eks.activate()

    def plan_one(name: str) -> Any:
        stubbed = per_cluster[name].eks_client
        routed: Any = Routed(moto_eks, stubbed)
        clients = Clients(routed, moto_iam)
        return planning.gather(name, clients, AwsAuthData(name, aws_auth(suffix)), region=REGION)

    done: list[str] = []
    try:
        fleet = planning.fleet(names, plan_one, progress=lambda d, t, n: done.append(n))
    finally:
        for stubs in per_cluster.values():
            stubs.eks.deactivate()
    assert sorted(done) == sorted(names)
    assert [p.cluster.name for p in fleet.plans if p.cluster] == [n for n in names if n != broken]
    assert all(len(p.with_status(Status.CREATE)) == 2 for p in fleet.plans)
    [failure] = fleet.failures
    assert failure.cluster == broken and "AccessDeniedException" in failure.message
    assert "eks:ListAccessEntries" in (failure.hint or "")
    for stubs in per_cluster.values():
        stubs.eks.assert_no_pending_responses()


MANIFEST = """apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
{roles}"""


def test_the_console_script_plans_and_refuses_to_apply_to_a_config_map_cluster(
    moto_url: str, aws_env: AwsEnv
) -> None:
    suffix = uuid.uuid4().hex[:8]
    name = f"console-{suffix}"
    moto_cluster(moto_url, name, "CONFIG_MAP")
    made = roles(moto_url, suffix)
    manifest = aws_env.home / "aws-auth.yaml"
    indented = "".join(f"    {line}\n" for line in aws_auth(suffix)["mapRoles"].splitlines())
    manifest.write_text(MANIFEST.format(roles=indented))
    env = {**aws_env.env, "AWS_ENDPOINT_URL_EKS": moto_url, "AWS_ENDPOINT_URL_IAM": moto_url}
    source = ["--from-aws-auth", "-f", str(manifest), "--cluster-name", name, "--region", REGION]
    planned = aws_env.run("access-entries", "plan", *source, env=env)
    assert planned.returncode == 0, planned.stderr
    assert "authentication mode: CONFIG_MAP" in planned.stdout
    assert made[f"AWSReservedSSO_Admin_{suffix}"] in planned.stdout
    applied = aws_env.run("access-entries", "apply", *source, env=env)
    assert applied.returncode == 1 and applied.stdout == ""
    assert applied.stderr.splitlines()[0] == (
        f"eks-tf-auth: error: cluster '{name}' is in CONFIG_MAP mode, which has no access "
        "entries; nothing created"
    )
