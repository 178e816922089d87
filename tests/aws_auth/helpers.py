"""What the aws-auth tests share: a seeded aws-auth ConfigMap with everything an edit must keep
(comments, mapAccounts, a key of someone else's, an entry's userid), kubeconfigs that point at the
EKS API double, tokens it accepts, and readers of what the double stored and was asked."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from eks_tf_auth import identity
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.kube.aws_auth import KINDS, AwsAuth
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET
from tests.support.eks_double import EksApiDouble, Identity, RequestRecord

CLUSTER = "prod"
REGION = "us-west-2"
NS = "kube-system"
NAME = "aws-auth"
CONTEXT = "eks"  # the kubeconfig context, and so the cluster's name in messages
ACCOUNT = "111122223333"
NODE = f"arn:aws:iam::{ACCOUNT}:role/node"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/deploy"
USERID = "AIDAEXAMPLEALICE00001"
IDENTITIES = {TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
ENV = {
    "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": TEST_SECRET,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
SEED_ROLES = """\
# EKS managed node groups: never remove
- rolearn: arn:aws:iam::111122223333:role/node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
"""
SEED_USERS = """\
- userarn: arn:aws:iam::111122223333:user/alice
  username: alice
  userid: AIDAEXAMPLEALICE00001  # the console's id, kept by every edit
  groups: [devs]
"""
SEED_ACCOUNTS = '- "444455556666"\n'
SEED_NOTE = "owned by the platform team; see RUNBOOK.md\n"
SEED = {
    "mapRoles": SEED_ROLES,
    "mapUsers": SEED_USERS,
    "mapAccounts": SEED_ACCOUNTS,
    "platform.note": SEED_NOTE,
}
WRITES = ("PUT", "POST", "PATCH")


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def mint(cluster: str = CLUSTER) -> str:
    """A token the double accepts for 15 minutes from now."""
    resolved = identity.resolve(ClusterRequest(cluster_name=cluster, region=REGION), ENV)
    creds = identity.credentials(resolved, ENV)
    return identity.mint_token(resolved, creds, now=lambda: datetime.now(timezone.utc)).value


def kubeconfig_file(
    path: Path, double: EksApiDouble, user: dict[str, Any], *, context: str = CONTEXT
) -> Path:
    """A kubeconfig with the double as its cluster (its real CA): `context` (namespace
    kube-system, the current one) with `user`, and `other` with no user at all."""
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {"server": double.url, "certificate-authority-data": double.ca_data},
            }
        ],
        "users": [{"name": "u", "user": user}],
        "contexts": [
            {"name": context, "context": {"cluster": "c", "user": "u", "namespace": NS}},
            {"name": "other", "context": {"cluster": "c"}},
        ],
        "current-context": context,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def stored(double: EksApiDouble) -> dict[str, str] | None:
    """The aws-auth ConfigMap's data as the double holds it, or None."""
    found = double.configmap(NS, NAME)
    return None if found is None else dict(found.get("data") or {})  # type: ignore[call-overload]


def version(double: EksApiDouble) -> str:
    found = double.configmap(NS, NAME)
    assert found is not None
    return str(found["metadata"]["resourceVersion"])  # type: ignore[index]


def writes(double: EksApiDouble) -> list[RequestRecord]:
    """Every write the double was asked for (answered or refused)."""
    return [r for r in double.requests if r.method in WRITES]


def mappings(data: dict[str, str]) -> dict[str, list[tuple[str, str | None, tuple[str, ...]]]]:
    """What EKS reads from the data: per list, (ARN, username, groups) in order."""
    auth = AwsAuth.parse(data)
    return {kind: [(e.arn, e.username, e.groups) for e in auth.entries(kind)] for kind in KINDS}


def assert_seed_kept(data: dict[str, str] | None) -> None:
    """Everything of the seed an edit of a role must keep: mapUsers with its userid and comment,
    mapAccounts, the other key, and the node role with its comment."""
    assert data is not None
    assert data["mapUsers"] == SEED_USERS
    assert data["mapAccounts"] == SEED_ACCOUNTS
    assert data["platform.note"] == SEED_NOTE
    assert data["mapRoles"].startswith(SEED_ROLES)
    [alice] = AwsAuth.parse(data).entries("mapUsers")
    assert alice.extra == {"userid": USERID}
