"""EKS API calls: DescribeCluster, as a typed `Cluster` record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from eks_tf_auth.aws.errors import translate_errors
from eks_tf_auth.aws.session import session
from eks_tf_auth.errors import AwsError

if TYPE_CHECKING:
    from mypy_boto3_eks import EKSClient

    from eks_tf_auth.aws.credentials import Credentials


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    status: str
    endpoint: str
    certificate_authority_data: str  # base64 PEM, as in a kubeconfig
    arn: str | None = None


def describe_cluster(
    profile: str | None,
    credentials: Credentials,
    *,
    name: str,
    region: str,
    environ: Mapping[str, str],
) -> Cluster:
    """EKS DescribeCluster; the endpoint follows AWS_ENDPOINT_URL_EKS and the profile."""
    where = f"cluster {name!r} in {region}"
    sess = session(profile, environ)
    with translate_errors(f"cannot describe {where}", endpoint_variable="AWS_ENDPOINT_URL_EKS"):
        eks = cast(
            "EKSClient",
            sess.create_client(
                "eks",
                region_name=region,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            ),
        )
        try:
            found = eks.describe_cluster(name=name)["cluster"]
        except eks.exceptions.ResourceNotFoundException as e:
            raise AwsError(
                f"{where} not found",
                hint=f"check the name and the region (the EKS console lists {region}'s clusters)",
            ) from e
    return Cluster(
        name=found["name"],
        region=region,
        status=found.get("status", "UNKNOWN"),
        endpoint=found.get("endpoint", ""),
        certificate_authority_data=found.get("certificateAuthority", {}).get("data", ""),
        arn=found.get("arn"),
    )
