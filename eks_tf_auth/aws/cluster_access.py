"""What EKS says about reaching a cluster, beyond `aws.eks`'s records: from DescribeCluster, the
endpoint's public and private access, whether the cluster's creator was made an admin at
creation, whether authenticator logs go to CloudWatch, and the OIDC issuer (IRSA); from
DescribeAccessEntry, when an access entry was made (a role created after its entry is a new
principal the entry does not name).

Each call takes an injected client (`aws.eks.client()` builds one), so tests can hand in a
`Stubber`; botocore's dicts never leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from eks_tf_auth.aws.errors import translate_errors
from eks_tf_auth.errors import AwsError

if TYPE_CHECKING:
    from mypy_boto3_eks import EKSClient

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_EKS"
AUTHENTICATOR_LOG = "authenticator"


@dataclass(frozen=True)
class ClusterAccess:
    endpoint_public: bool
    endpoint_private: bool
    public_cidrs: tuple[str, ...]
    bootstrap_admin: bool | None  # None: not reported (a cluster older than access entries)
    authenticator_logs: bool
    oidc_issuer: str | None


def cluster_access(eks: EKSClient, name: str) -> ClusterAccess:
    """DescribeCluster, read for how callers reach and authenticate to the cluster."""
    with translate_errors(f"cannot describe cluster {name!r}", endpoint_variable=ENDPOINT_VARIABLE):
        try:
            found = eks.describe_cluster(name=name)["cluster"]
        except eks.exceptions.ResourceNotFoundException as e:
            raise AwsError(
                f"cluster {name!r} not found in {eks.meta.region_name}",
                hint="check the name and the region",
            ) from e
    vpc = found.get("resourcesVpcConfig", {})
    enabled = {
        kind
        for setup in found.get("logging", {}).get("clusterLogging", [])
        if setup.get("enabled")
        for kind in setup.get("types", [])
    }
    return ClusterAccess(
        endpoint_public=vpc.get("endpointPublicAccess", True),
        endpoint_private=vpc.get("endpointPrivateAccess", False),
        public_cidrs=tuple(vpc.get("publicAccessCidrs", [])),
        bootstrap_admin=found.get("accessConfig", {}).get(
            "bootstrapClusterCreatorAdminPermissions"
        ),
        authenticator_logs=AUTHENTICATOR_LOG in enabled,
        oidc_issuer=found.get("identity", {}).get("oidc", {}).get("issuer"),
    )


def access_entry_created(eks: EKSClient, cluster: str, principal_arn: str) -> datetime | None:
    """When the access entry of `principal_arn` was created; None when there is none."""
    with translate_errors(
        f"cannot describe the access entry of {principal_arn} in cluster {cluster!r}",
        endpoint_variable=ENDPOINT_VARIABLE,
    ):
        try:
            found = eks.describe_access_entry(clusterName=cluster, principalArn=principal_arn)
        except eks.exceptions.ResourceNotFoundException:
            return None
    return found["accessEntry"].get("createdAt")
