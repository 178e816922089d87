"""What the access-entry tests share: Stubber-wrapped EKS and IAM clients (moto does not
implement access entries), canned DescribeCluster answers, aws-auth data builders, and a client
that routes the access-entry calls to a Stubber and everything else to moto."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, cast

from botocore.stub import Stubber

from eks_tf_auth.access.plan import Clients
from eks_tf_auth.aws import eks, iam
from eks_tf_auth.aws.credentials import Credentials

ACCOUNT = "111122223333"
REGION = "us-west-2"
CLUSTER = "prod"
CLUSTER_ARN = f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"
ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
CREDS = Credentials("AKIDEXAMPLE", "secret")
CREATED = datetime(2024, 1, 1, tzinfo=timezone.utc)
# The calls moto does not implement: a routed client sends these to its Stubber.
ACCESS_ENTRY_CALLS = frozenset(
    {
        "list_access_entries",
        "describe_access_entry",
        "create_access_entry",
        "list_associated_access_policies",
        "associate_access_policy",
        "list_access_policies",
        "update_cluster_config",
        "describe_update",
    }
)


def role(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def user(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


def map_roles(*items: str) -> dict[str, str]:
    return {"mapRoles": "".join(items)}


def item(arn: str, username: str | None = None, *groups: str, key: str = "rolearn") -> str:
    """One aws-auth list item, in block style."""
    lines = [f"- {key}: {arn}"]
    if username is not None:
        lines.append(f"  username: {username!r}" if "{" in username else f"  username: {username}")
    if groups:
        lines.append("  groups:")
        lines += [f"    - {g!r}" if ":" in g or not g else f"    - {g}" for g in groups]
    return "\n".join(lines) + "\n"


def cluster_answer(
    mode: str | None = "API_AND_CONFIG_MAP",
    *,
    name: str = CLUSTER,
    version: str = "1.29",
    platform: str = "eks.8",
    account: str = ACCOUNT,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "name": name,
        "arn": f"arn:aws:eks:{REGION}:{account}:cluster/{name}",
        "version": version,
        "platformVersion": platform,
        "status": "ACTIVE",
        "endpoint": "https://ABC.gr7.us-west-2.eks.amazonaws.com",
        "certificateAuthority": {"data": "Q0E="},
    }
    if mode is not None:
        found["accessConfig"] = {"authenticationMode": mode}
    return {"cluster": found}


def eks_client(environ: Mapping[str, str] | None = None) -> Any:
    """A new EKS client with test keys (for hooks of its own)."""
    return eks.client(None, CREDS, region=REGION, environ=environ or {})


@functools.lru_cache(maxsize=1)
def _shared() -> tuple[Any, Any]:
    """One EKS and one IAM client for every Stubs (a botocore client costs ~0.1 s to make);
    a Stubber adds its hooks on entry and removes them on exit."""
    return eks_client(), iam.client(None, CREDS, region=REGION, environ={})


class Stubs:
    """Stubbed EKS and IAM clients; `clients` hands them to the code under test."""

    def __init__(self, eks_client: Any | None = None, iam_client: Any | None = None) -> None:
        shared: tuple[Any, Any] = _shared()
        self.eks_client: Any = shared[0] if eks_client is None else eks_client
        self.iam_client: Any = shared[1] if iam_client is None else iam_client
        self.eks = Stubber(self.eks_client)
        self.iam = Stubber(self.iam_client)

    @property
    def clients(self) -> Clients:
        return Clients(self.eks_client, cast(iam.IamClient, self.iam_client))

    @contextmanager
    def active(self) -> Iterator[Stubs]:
        with self.eks, self.iam:
            yield self
        self.eks.assert_no_pending_responses()
        self.iam.assert_no_pending_responses()

    # -- EKS ------------------------------------------------------------------------------------

    def describe(self, mode: str | None = "API_AND_CONFIG_MAP", **kwargs: Any) -> Stubs:
        name = kwargs.get("name", CLUSTER)
        self.eks.add_response("describe_cluster", cluster_answer(mode, **kwargs), {"name": name})
        return self

    def entries(self, *arns: str, cluster: str = CLUSTER) -> Stubs:
        self.eks.add_response(
            "list_access_entries", {"accessEntries": list(arns)}, {"clusterName": cluster}
        )
        return self

    def entry(
        self,
        arn: str,
        type: str = "STANDARD",
        username: str | None = None,
        groups: Sequence[str] = (),
        cluster: str = CLUSTER,
    ) -> Stubs:
        found: dict[str, Any] = {"principalArn": arn, "type": type, "clusterName": cluster}
        if username is not None:
            found["username"] = username
        if groups:
            found["kubernetesGroups"] = list(groups)
        self.eks.add_response(
            "describe_access_entry",
            {"accessEntry": found},
            {"clusterName": cluster, "principalArn": arn},
        )
        return self

    def no_entry(self, arn: str, cluster: str = CLUSTER) -> Stubs:
        self.eks.add_client_error(
            "describe_access_entry",
            "ResourceNotFoundException",
            "no such entry",
            404,
            expected_params={"clusterName": cluster, "principalArn": arn},
        )
        return self

    def policies(
        self, arn: str, *policies: tuple[str, str, Sequence[str]], cluster: str = CLUSTER
    ) -> Stubs:
        self.eks.add_response(
            "list_associated_access_policies",
            {
                "clusterName": cluster,
                "principalArn": arn,
                "associatedAccessPolicies": [
                    {"policyArn": p, "accessScope": {"type": scope, "namespaces": list(ns)}}
                    for p, scope, ns in policies
                ],
            },
            {"clusterName": cluster, "principalArn": arn},
        )
        return self

    def offered(self, *arns: str) -> Stubs:
        self.eks.add_response(
            "list_access_policies",
            {"accessPolicies": [{"name": a.rsplit("/", 1)[-1], "arn": a} for a in arns]},
            {},
        )
        return self

    def create(
        self,
        arn: str,
        type: str = "STANDARD",
        username: str | None = None,
        groups: Sequence[str] = (),
        cluster: str = CLUSTER,
    ) -> Stubs:
        params: dict[str, Any] = {"clusterName": cluster, "principalArn": arn, "type": type}
        answer: dict[str, Any] = {"principalArn": arn, "type": type, "clusterName": cluster}
        if username is not None:
            params["username"] = answer["username"] = username
        if groups:
            params["kubernetesGroups"] = answer["kubernetesGroups"] = list(groups)
        self.eks.add_response("create_access_entry", {"accessEntry": answer}, params)
        return self

    def associate(
        self,
        arn: str,
        policy: str = ADMIN,
        scope: str = "cluster",
        namespaces: Sequence[str] = (),
        cluster: str = CLUSTER,
    ) -> Stubs:
        access_scope: dict[str, Any] = {"type": scope}
        if namespaces:
            access_scope["namespaces"] = list(namespaces)
        self.eks.add_response(
            "associate_access_policy",
            {
                "clusterName": cluster,
                "principalArn": arn,
                "associatedAccessPolicy": {"policyArn": policy, "accessScope": access_scope},
            },
            {
                "clusterName": cluster,
                "principalArn": arn,
                "policyArn": policy,
                "accessScope": access_scope,
            },
        )
        return self

    def eks_error(
        self, method: str, code: str, status: int = 400, params: dict[str, Any] | None = None
    ) -> Stubs:
        self.eks.add_client_error(method, code, f"{code} says no", status, expected_params=params)
        return self

    # -- IAM ------------------------------------------------------------------------------------

    def role(self, name: str, path: str = "/", account: str = ACCOUNT) -> Stubs:
        self.iam.add_response(
            "get_role",
            {
                "Role": {
                    "Path": path,
                    "RoleName": name,
                    "RoleId": "AROAEXAMPLE" + "X" * 10,
                    "Arn": f"arn:aws:iam::{account}:role{path}{name}",
                    "CreateDate": CREATED,
                }
            },
            {"RoleName": name},
        )
        return self

    def no_role(self, name: str) -> Stubs:
        self.iam.add_client_error(
            "get_role", "NoSuchEntity", "no role", 404, expected_params={"RoleName": name}
        )
        return self

    def iam_error(self, name: str, code: str) -> Stubs:
        self.iam.add_client_error(
            "get_role", code, f"{code} says no", 403, expected_params={"RoleName": name}
        )
        return self


class Routed:
    """An EKS client whose access-entry calls go to `stubbed` (a Stubber's client) and the rest
    (DescribeCluster, ListClusters) to `real` (moto's)."""

    def __init__(self, real: Any, stubbed: Any) -> None:
        self._real = real
        self._stubbed = stubbed
        self.meta = real.meta

    def get_paginator(self, name: str) -> Any:
        return (self._stubbed if name in ACCESS_ENTRY_CALLS else self._real).get_paginator(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stubbed if name in ACCESS_ENTRY_CALLS else self._real, name)
