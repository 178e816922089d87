"""EKS API calls as typed records: DescribeCluster (`Cluster`), ListClusters, and the access-entry
API (access entries, access policies and their associations, the authentication mode and the
update that changes it). Each call takes an injected client (`client()` builds one), so tests can
hand in a botocore `Stubber`; botocore's dicts never leave this module.

Throttling and 5xx answers are retried by botocore's standard retry mode (`aws.session`), never by
hand. `ResourceInUseException` from CreateAccessEntry means the entry is already there and is
returned as None; every other refusal becomes a one-line `AwsError`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from eks_tf_auth.aws.errors import translate_errors
from eks_tf_auth.aws.session import session
from eks_tf_auth.errors import AwsError

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_eks import EKSClient
    from mypy_boto3_eks.literals import AccessScopeTypeType, AuthenticationModeType
    from mypy_boto3_eks.type_defs import (
        AccessEntryTypeDef,
        AccessScopeOutputTypeDef,
        AccessScopeTypeDef,
        ClusterTypeDef,
        CreateAccessEntryRequestTypeDef,
        UpdateTypeDef,
    )

    from eks_tf_auth.aws.credentials import Credentials

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_EKS"
_ACCESS_DENIED = ("AccessDeniedException", "AccessDenied")


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    status: str
    endpoint: str
    certificate_authority_data: str  # base64 PEM, as in a kubeconfig
    arn: str | None = None
    version: str | None = None  # Kubernetes minor version, "1.29"
    platform_version: str | None = None  # "eks.8"
    authentication_mode: str | None = None  # accessConfig.authenticationMode; None: not reported


@dataclass(frozen=True)
class AccessEntry:
    principal_arn: str
    type: str
    username: str | None
    kubernetes_groups: tuple[str, ...]


@dataclass(frozen=True)
class AssociatedPolicy:
    policy_arn: str
    scope: str  # "cluster" or "namespace"
    namespaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccessPolicy:
    name: str
    arn: str


@dataclass(frozen=True)
class Update:
    id: str
    status: str  # InProgress, Successful, Failed, Cancelled
    errors: tuple[str, ...] = ()  # "code: message" per error EKS reports


def client(
    profile: str | None, credentials: Credentials, *, region: str, environ: Mapping[str, str]
) -> EKSClient:
    """An EKS client with these credentials; the endpoint follows AWS_ENDPOINT_URL_EKS."""
    sess = session(profile, environ)
    with translate_errors("cannot create an EKS client", endpoint_variable=ENDPOINT_VARIABLE):
        return cast(
            "EKSClient",
            sess.create_client(
                "eks",
                region_name=region,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            ),
        )


def describe_cluster(
    profile: str | None,
    credentials: Credentials,
    *,
    name: str,
    region: str,
    environ: Mapping[str, str],
) -> Cluster:
    """EKS DescribeCluster; the endpoint follows AWS_ENDPOINT_URL_EKS and the profile."""
    return describe(client(profile, credentials, region=region, environ=environ), name, region)


def describe(eks: EKSClient, name: str, region: str) -> Cluster:
    """DescribeCluster with a given client."""
    from botocore.exceptions import ClientError

    where = f"cluster {name!r} in {region}"
    with _calling(f"cannot describe {where}", "eks:DescribeCluster"):
        try:
            found: ClusterTypeDef = eks.describe_cluster(name=name)["cluster"]
        except ClientError as e:
            if _code(e) != "ResourceNotFoundException":
                raise
            raise _not_found(name, region) from e
    return Cluster(
        name=found["name"],
        region=region,
        status=found.get("status", "UNKNOWN"),
        endpoint=found.get("endpoint", ""),
        certificate_authority_data=found.get("certificateAuthority", {}).get("data", ""),
        arn=found.get("arn"),
        version=found.get("version"),
        platform_version=found.get("platformVersion"),
        authentication_mode=found.get("accessConfig", {}).get("authenticationMode"),
    )


def list_clusters(eks: EKSClient, region: str) -> list[str]:
    """Every cluster name in the client's region, in EKS's order."""
    with _calling(f"cannot list the clusters in {region}", "eks:ListClusters"):
        pages = eks.get_paginator("list_clusters").paginate()
        return [name for page in pages for name in page.get("clusters", [])]


def list_access_entries(eks: EKSClient, cluster: str) -> list[str]:
    """The principal ARNs of the cluster's access entries."""
    from botocore.exceptions import ClientError

    with _calling(
        f"cannot list the access entries of cluster {cluster!r}", "eks:ListAccessEntries"
    ):
        try:
            pages = eks.get_paginator("list_access_entries").paginate(clusterName=cluster)
            return [arn for page in pages for arn in page.get("accessEntries", [])]
        except ClientError as e:
            if _code(e) != "ResourceNotFoundException":
                raise
            raise _not_found(cluster, eks.meta.region_name) from e


def describe_access_entry(eks: EKSClient, cluster: str, principal_arn: str) -> AccessEntry | None:
    """The access entry for `principal_arn`; None when there is none."""
    from botocore.exceptions import ClientError

    with _calling(
        f"cannot describe the access entry of {principal_arn} in cluster {cluster!r}",
        "eks:DescribeAccessEntry",
    ):
        try:
            found = eks.describe_access_entry(clusterName=cluster, principalArn=principal_arn)
        except ClientError as e:
            if _code(e) != "ResourceNotFoundException":
                raise
            return None
    return _entry(found["accessEntry"], principal_arn)


def create_access_entry(
    eks: EKSClient,
    cluster: str,
    principal_arn: str,
    *,
    type: str,
    username: str | None,
    kubernetes_groups: Sequence[str],
) -> AccessEntry | None:
    """CreateAccessEntry; None when the principal already has an entry (ResourceInUse), which is
    left exactly as it is."""
    from botocore.exceptions import ClientError

    params: CreateAccessEntryRequestTypeDef = {
        "clusterName": cluster,
        "principalArn": principal_arn,
        "type": type,
    }
    if username is not None:
        params["username"] = username
    if kubernetes_groups:
        params["kubernetesGroups"] = list(kubernetes_groups)
    with _calling(
        f"cannot create the access entry of {principal_arn} in cluster {cluster!r}",
        "eks:CreateAccessEntry (and iam:PassRole for node types)",
    ):
        try:
            found = eks.create_access_entry(**params)
        except ClientError as e:
            if _code(e) != "ResourceInUseException":
                raise
            return None
    return _entry(found["accessEntry"], principal_arn)


def list_associated_access_policies(
    eks: EKSClient, cluster: str, principal_arn: str
) -> list[AssociatedPolicy]:
    with _calling(
        f"cannot list the access policies of {principal_arn} in cluster {cluster!r}",
        "eks:ListAssociatedAccessPolicies",
    ):
        pages = eks.get_paginator("list_associated_access_policies").paginate(
            clusterName=cluster, principalArn=principal_arn
        )
        return [
            _association(item["policyArn"], item.get("accessScope", {}))
            for page in pages
            for item in page.get("associatedAccessPolicies", [])
        ]


def associate_access_policy(
    eks: EKSClient,
    cluster: str,
    principal_arn: str,
    *,
    policy_arn: str,
    scope: str,
    namespaces: Sequence[str] = (),
) -> AssociatedPolicy:
    access_scope: AccessScopeTypeDef = {"type": cast("AccessScopeTypeType", scope)}
    if namespaces:
        access_scope["namespaces"] = list(namespaces)
    with _calling(
        f"cannot associate {policy_arn} with {principal_arn} in cluster {cluster!r}",
        "eks:AssociateAccessPolicy",
    ):
        found = eks.associate_access_policy(
            clusterName=cluster,
            principalArn=principal_arn,
            policyArn=policy_arn,
            accessScope=access_scope,
        )
    association = found["associatedAccessPolicy"]
    return _association(association["policyArn"], association.get("accessScope", {}))


def list_access_policies(eks: EKSClient) -> list[AccessPolicy]:
    """Every access policy EKS offers (the same in every cluster of a partition)."""
    with _calling("cannot list the EKS access policies", "eks:ListAccessPolicies"):
        pages = eks.get_paginator("list_access_policies").paginate()
        return [
            AccessPolicy(item["name"], item["arn"])
            for page in pages
            for item in page.get("accessPolicies", [])
        ]


def update_authentication_mode(eks: EKSClient, cluster: str, mode: str) -> Update:
    """UpdateClusterConfig with accessConfig.authenticationMode; the update it started."""
    from botocore.exceptions import ClientError

    with _calling(
        f"cannot change the authentication mode of cluster {cluster!r} to {mode}",
        "eks:UpdateClusterConfig",
    ):
        try:
            found = eks.update_cluster_config(
                name=cluster,
                accessConfig={"authenticationMode": cast("AuthenticationModeType", mode)},
            )
        except ClientError as e:
            if _code(e) != "ResourceInUseException":
                raise
            raise AwsError(
                f"cluster {cluster!r} is already being updated; its authentication mode cannot "
                "change now",
                hint=f"wait for the update to finish (aws eks list-updates --name {cluster}) "
                "and run this again",
            ) from e
    return _update(found.get("update"))


def describe_update(eks: EKSClient, cluster: str, update_id: str) -> Update:
    with _calling(
        f"cannot describe update {update_id} of cluster {cluster!r}", "eks:DescribeUpdate"
    ):
        return _update(eks.describe_update(name=cluster, updateId=update_id).get("update"))


@contextlib.contextmanager
def _calling(context: str, permission: str) -> Iterator[None]:
    """translate_errors for EKS, with an AccessDenied hint naming the permission the call needs."""
    from botocore.exceptions import ClientError

    with translate_errors(context, endpoint_variable=ENDPOINT_VARIABLE):
        try:
            yield
        except ClientError as e:
            error = e.response.get("Error", {})
            if error.get("Code") not in _ACCESS_DENIED:
                raise
            message = " ".join(str(error.get("Message", "")).split())
            raise AwsError(
                f"{context}: {error.get('Code')}: {message}",
                hint=f"the caller needs {permission} on the cluster",
            ) from e


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _not_found(name: str, region: str) -> AwsError:
    return AwsError(
        f"cluster {name!r} in {region} not found",
        hint=f"check the name and the region (the EKS console lists {region}'s clusters)",
    )


def _entry(found: AccessEntryTypeDef, principal_arn: str) -> AccessEntry:
    return AccessEntry(
        principal_arn=found.get("principalArn", principal_arn),
        type=found.get("type", "STANDARD"),
        username=found.get("username"),
        kubernetes_groups=tuple(found.get("kubernetesGroups", [])),
    )


def _association(policy_arn: str, scope: AccessScopeOutputTypeDef) -> AssociatedPolicy:
    kind: AccessScopeTypeType = scope.get("type", "cluster")
    return AssociatedPolicy(policy_arn, kind, tuple(scope.get("namespaces", [])))


def _update(found: UpdateTypeDef | None) -> Update:
    if not found or not found.get("id"):
        raise AwsError("EKS answered without the update it started", hint="try again")
    errors = tuple(
        f"{e.get('errorCode', 'Unknown')}: {' '.join(e.get('errorMessage', '').split())}"
        for e in found.get("errors", [])
    )
    return Update(found["id"], found.get("status", "InProgress"), errors)
