"""Cluster: EKS DescribeCluster — status, Kubernetes and platform version, the endpoint's public
and private access, the authentication mode (which mappings EKS reads), whether the cluster's
creator was made an admin, whether authenticator logs are on, the OIDC issuer.
"""

from __future__ import annotations

from eks_tf_auth.doctor.facts import CONFIG_MAP, Facts, Failed, got
from eks_tf_auth.doctor.model import (
    Check,
    Evidence,
    Result,
    Results,
    failed,
    passed,
    skipped,
    warned,
)

STARTING = ("CREATING", "PENDING")
GONE = ("DELETING", "FAILED")


def check(facts: Facts, results: Results) -> Result:
    resolved = got(facts.resolved)
    if resolved is None or resolved.request.cluster_name is None:
        return skipped("no cluster name (an Outposts id alone cannot be described)")
    name, region = resolved.request.cluster_name, resolved.region
    cluster = facts.cluster
    if isinstance(cluster, Failed):
        if "not found" in cluster.message:
            fix = f"check the name and the region: aws eks list-clusters --region {region}"
        else:
            fix = cluster.hint or "grant eks:DescribeCluster"
        return failed(cluster.message, fix, code=cluster.code)
    found = got(cluster)
    if found is None:
        return skipped(f"cluster {name} was not described")
    c, access = found.cluster, found.access
    mode = c.authentication_mode or CONFIG_MAP
    evidence: dict[str, Evidence] = {
        "status": c.status,
        "version": c.version,
        "platform_version": c.platform_version,
        "endpoint": c.endpoint,
        "endpoint_public": access.endpoint_public,
        "endpoint_private": access.endpoint_private,
        "public_cidrs": access.public_cidrs,
        "authentication_mode": mode,
        "mode_reported": c.authentication_mode is not None,
        "bootstrap_admin": access.bootstrap_admin,
        "authenticator_logs": access.authenticator_logs,
        "oidc_issuer": access.oidc_issuer,
    }
    if c.status in STARTING + GONE or not c.endpoint:
        return failed(
            f"cluster {name} is {c.status}: it has no API server to authenticate to",
            "wait until it is ACTIVE" if c.status in STARTING else "use a cluster that is ACTIVE",
            **evidence,
        )
    reach = (
        "public and private"
        if access.endpoint_public and access.endpoint_private
        else "public"
        if access.endpoint_public
        else "private only"
    )
    summary = (
        f"{c.status}, Kubernetes {c.version or '?'} ({c.platform_version or '?'}), "
        f"authentication mode {mode}, endpoint {reach}"
    )
    if c.status != "ACTIVE":
        return warned(f"{summary}: an update is running", "retry when it is ACTIVE", **evidence)
    return passed(summary, **evidence)


CHECK = Check("cluster", "Cluster (EKS DescribeCluster)", check, ("credentials",), __doc__ or "")
