"""Gathering a plan: DescribeCluster, GetRole, ListAccessEntries and the entries' policies through
Stubber-wrapped clients; the fleet pool; where aws-auth is read from."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eks_tf_auth.access import plan as planning
from eks_tf_auth.access.model import ClusterFacts, Mode, Plan, Status
from eks_tf_auth.access.plan import AwsAuthData, Clients, gather
from eks_tf_auth.errors import AwsError, InputError
from eks_tf_auth.identity import ClusterRequest
from tests.access.support import (
    ACCOUNT,
    ADMIN,
    CLUSTER,
    REGION,
    VIEW,
    Stubs,
    item,
    map_roles,
    role,
    user,
)
from tests.support.aws import AwsEnv

DATA = {
    "mapRoles": item(role("admin"), "admin", "system:masters")
    + item(role("AWSReservedSSO_A_1"), "sso:{{SessionName}}", "readers")
    + item(role("ng"), "system:node:{{EC2PrivateDNSName}}", "system:bootstrappers", "system:nodes")
    + item(role("x", "999988887777"), "x", "ops"),
    "mapUsers": item(user("alice"), "alice", "view", key="userarn"),
}
SSO = role("aws-reserved/sso.amazonaws.com/AWSReservedSSO_A_1")


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    with Stubs().active() as found:
        yield found


def test_gather_against_a_cluster_with_access_entries(stubs: Stubs) -> None:
    stubs.describe("API_AND_CONFIG_MAP")
    stubs.role("admin").role("AWSReservedSSO_A_1", "/aws-reserved/sso.amazonaws.com/").role("ng")
    stubs.entries(role("ADMIN"), role("ng"), role("unrelated"))
    stubs.entry(role("ADMIN"), "STANDARD", "admin").policies(role("ADMIN"), (VIEW, "cluster", []))
    stubs.entry(role("ng"), "EC2_LINUX", "system:node:{{EC2PrivateDNSName}}", ["system:nodes"])
    stubs.policies(role("ng"))
    plan = gather(CLUSTER, stubs.clients, AwsAuthData("src", DATA), region=REGION)
    assert plan.cluster is not None and plan.cluster.authentication_mode is Mode.API_AND_CONFIG_MAP
    assert [(e.principal_arn, e.status) for e in plan.entries] == [
        (role("admin"), Status.EXISTS),
        (SSO, Status.CREATE),
        (role("ng"), Status.EXISTS),
        (role("x", "999988887777"), Status.CREATE),
        (user("alice"), Status.CREATE),
    ]
    assert plan.entries[0].policies[0].status is Status.CREATE
    assert plan.entries_checked and plan.source == "src"
    assert "a role of account 999988887777" in plan.entries[3].notes[0]


def test_gather_in_config_map_mode_lists_no_entries(stubs: Stubs) -> None:
    stubs.describe("CONFIG_MAP").role("admin")
    plan = gather(
        CLUSTER,
        stubs.clients,
        AwsAuthData("src", map_roles(item(role("admin"), "a"))),
        region=REGION,
    )
    assert not plan.entries_checked and "CONFIG_MAP mode" in plan.notes[0]


def test_gather_without_an_aws_auth_configmap(stubs: Stubs) -> None:
    stubs.describe("API")
    plan = gather(
        CLUSTER, stubs.clients, AwsAuthData("kube-system/aws-auth in prod", None), region=REGION
    )
    stubs.eks.assert_no_pending_responses()
    assert plan.notes == (
        "the cluster is in API mode: EKS no longer reads aws-auth",
        "there is no aws-auth ConfigMap in kube-system/aws-auth in prod",
    )


def test_gather_without_a_reported_mode_compares_nothing(stubs: Stubs) -> None:
    stubs.describe(None)
    assert not gather(CLUSTER, stubs.clients, AwsAuthData("s", {}), region=REGION).entries_checked


def test_an_entry_deleted_between_list_and_describe_is_to_create(stubs: Stubs) -> None:
    stubs.describe().role("admin")
    stubs.entries(role("admin")).no_entry(role("admin"))
    data = map_roles(item(role("admin"), "admin"))
    [entry] = gather(CLUSTER, stubs.clients, AwsAuthData("s", data), region=REGION).entries
    assert entry.status is Status.CREATE


def test_roles_iam_answers_for_another_account_keep_the_arn_written(stubs: Stubs) -> None:
    stubs.role("ci", account="555566667777").no_role("gone")
    data = map_roles(item(role("ci"), "ci"), item(role("gone"), "g"))
    found = planning.look_up_roles(stubs.clients.iam, data, None)
    assert found[role("ci")].checked is False
    assert found[role("ci")].reason == "IAM answered for account 555566667777"
    assert found[role("gone")].arn is None and found[role("gone")].checked


def test_an_iam_refusal_fails_the_plan(stubs: Stubs) -> None:
    stubs.describe().iam_error("admin", "AccessDenied")
    with pytest.raises(AwsError, match="cannot read IAM role 'admin': AccessDenied"):
        gather(
            CLUSTER,
            stubs.clients,
            AwsAuthData("s", map_roles(item(role("admin"), "a"))),
            region=REGION,
        )


def test_the_offline_plan_names_the_cluster_only() -> None:
    plan = planning.offline("prod", AwsAuthData("f", map_roles(item(role("a"), "a"))))
    assert plan.cluster is not None and not plan.cluster.described
    assert planning.offline(None, AwsAuthData("f", None)).notes == ("f is empty",)


def test_the_fleet_runs_concurrently_in_order_and_reports_a_failure() -> None:
    started: list[str] = []
    gate = threading.Barrier(4, timeout=10)  # four clusters in flight at once, or a timeout

    def plan_one(name: str) -> Plan:
        started.append(name)
        if name in ("c0", "c1", "c2", "c3"):
            gate.wait()
        if name == "c5":
            raise AwsError("AccessDenied", hint="grant it")
        return Plan("s", ClusterFacts(name))

    progress: list[tuple[int, int]] = []
    names = [f"c{n}" for n in range(8)]
    fleet = planning.fleet(
        names, plan_one, workers=4, progress=lambda d, t, _: progress.append((d, t))
    )
    assert [p.cluster.name for p in fleet.plans if p.cluster] == [n for n in names if n != "c5"]
    assert fleet.failures == (planning.ClusterFailure("c5", "AccessDenied", "grant it"),)
    assert sorted(progress) == [(n, 8) for n in range(1, 9)]


def test_the_fleet_lets_a_bug_through() -> None:
    def plan_one(name: str) -> Plan:
        raise KeyError(name)

    with pytest.raises(KeyError):
        planning.fleet(["a"], plan_one)
    assert planning.fleet([], plan_one) == planning.Fleet((), ())


def test_aws_auth_from_a_manifest_file(tmp_path: Path) -> None:
    path = tmp_path / "aws-auth.yaml"
    path.write_text(
        "kind: ConfigMap\nmetadata:\n  name: aws-auth\ndata:\n  mapRoles: |\n    - rolearn: x\n"
    )
    found = planning.read_aws_auth(file=str(path), environ={})
    assert found == AwsAuthData(str(path), {"mapRoles": "- rolearn: x\n"})
    path.write_text("kind: [\n")
    with pytest.raises(InputError, match="not valid YAML"):
        planning.read_aws_auth(file=str(path), environ={})


def test_aws_auth_from_a_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: dict[str, Any] = {}

    class Target:
        name = "prod"

        def __init__(self, data: dict[str, str] | None) -> None:
            self.data = data

        def read(self) -> tuple[dict[str, str], str] | None:
            return None if self.data is None else (self.data, "7")

    answers = [{"mapRoles": ""}, None]

    @contextlib.contextmanager
    def open_target(**kwargs: Any) -> Iterator[Target]:
        asked.update(kwargs)
        yield Target(answers.pop(0))

    monkeypatch.setattr("eks_tf_auth.aws_auth.open_target", open_target)
    who = ClusterRequest(cluster_name="prod", region="eu-west-1", profile="p")
    assert planning.read_aws_auth(cluster=who, environ={}) == AwsAuthData(
        "kube-system/aws-auth in prod", {"mapRoles": ""}
    )
    assert (asked["cluster_name"], asked["region"], asked["profile"]) == ("prod", "eu-west-1", "p")
    assert planning.read_aws_auth(kubeconfig="k", environ={}).data is None
    assert (asked["cluster_name"], asked["kubeconfig"]) == (None, "k")


def test_the_client_factory_makes_eks_and_iam_clients(aws_env: AwsEnv) -> None:
    who = ClusterRequest(region="eu-west-1")
    region, make = planning.client_factory(who, aws_env.env)
    made = make()
    assert region == "eu-west-1" and isinstance(made, Clients)
    assert made.eks.meta.service_model.service_name == "eks"
    assert made.eks.meta.region_name == "eu-west-1"
    assert made.iam.meta.service_model.service_name == "iam"  # type: ignore[attr-defined]
    assert ACCOUNT and ADMIN
