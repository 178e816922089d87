"""Facts made by hand, for the checks' fast tests (no I/O): a healthy set, and `change` to alter
one fact. The scenarios (test_scenarios.py) gather the same facts from real pieces."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from eks_tf_auth import identity
from eks_tf_auth.aws.cluster_access import ClusterAccess
from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.aws.eks import AccessEntry, AssociatedPolicy, Cluster
from eks_tf_auth.aws.iam import Role
from eks_tf_auth.aws.sts import Caller, Found
from eks_tf_auth.doctor import run
from eks_tf_auth.doctor.facts import (
    AccessEntryFacts,
    AwsAuthFacts,
    ClusterFacts,
    Environment,
    Facts,
    Inputs,
    MintedToken,
    Review,
)
from eks_tf_auth.doctor.model import Report, Result
from eks_tf_auth.identity import ClusterRequest

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
ACCOUNT = "111122223333"
CLUSTER = "prod"
REGION = "us-west-2"
ENDPOINT = "https://ABCDEF.gr7.us-west-2.eks.amazonaws.com"
CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/team/deployer"
CANONICAL = f"arn:aws:iam::{ACCOUNT}:role/deployer"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/session"
ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
KEY = "ASIAR2TG44V6AS3ZZE7C"
SECRET = "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q"
SESSION = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN" * 4
ENV = {
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
}
REQUEST = ClusterRequest(cluster_name=CLUSTER, region=REGION)
CREDENTIALS = Credentials(KEY, SECRET, SESSION)


def healthy(**changes: Any) -> Facts:
    resolved = identity.resolve(REQUEST, ENV)
    token = identity.mint_token(resolved, CREDENTIALS, now=lambda: NOW)
    facts = Facts(
        inputs=Inputs(request=REQUEST),
        now=NOW,
        environment=Environment(present=(), profile=None, container_uri=None, path=""),
        request=REQUEST,
        resolved=resolved,
        credentials=Found(CREDENTIALS, "env", None),
        caller=Caller(CALLER, ACCOUNT, "AROAEXAMPLE:session", NOW),
        caller_time=NOW,
        role=Role("deployer", ROLE_ARN, "/team/", "AROAEXAMPLE", NOW - timedelta(days=30)),
        token=MintedToken(token, CLUSTER),
        cluster=ClusterFacts(
            Cluster(CLUSTER, REGION, "ACTIVE", ENDPOINT, CA, None, "1.31", "eks.12", "API"),
            ClusterAccess(True, True, ("0.0.0.0/0",), True, True, ISSUER),
        ),
        access_entry=AccessEntryFacts(
            ROLE_ARN,
            AccessEntry(ROLE_ARN, "STANDARD", CALLER, ()),
            (AssociatedPolicy(ADMIN, "cluster"),),
            NOW - timedelta(days=1),
        ),
        aws_auth=AwsAuthFacts("cluster", None),
        whoami=Review(CALLER, ("system:authenticated",), {"arn": (CALLER,)}),
    )
    return replace(facts, **changes)


def unresolved(**changes: Any) -> Facts:
    """Facts where no region could be decided: nothing on the AWS side was gathered."""
    nothing = dict.fromkeys(
        ("resolved", "credentials", "caller", "role", "token", "cluster", "access_entry", "whoami")
    )
    return healthy(**{**nothing, "caller_time": None, **changes})


def cluster(**changes: Any) -> ClusterFacts:
    base = Cluster(CLUSTER, REGION, "ACTIVE", ENDPOINT, CA, None, "1.31", "eks.12", "API")
    access = ClusterAccess(True, True, ("0.0.0.0/0",), True, True, ISSUER)
    cluster_changes = {k: v for k, v in changes.items() if hasattr(base, k)}
    access_changes = {k: v for k, v in changes.items() if hasattr(access, k)}
    return ClusterFacts(replace(base, **cluster_changes), replace(access, **access_changes))


def report(facts: Facts) -> Report:
    return run(facts)


def check(facts: Facts, name: str) -> Result:
    return next(o.result for o in run(facts).outcomes if o.check.id == name)
