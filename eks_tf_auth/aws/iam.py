"""IAM calls as typed records: GetRole, for the path of a role that aws-auth names without it
(aws-auth cannot hold role paths; access entries need them).

The client is injected (`client()` builds one) so tests can hand in a `Stubber`. boto3-stubs for
IAM (`mypy_boto3_iam`) are not a dependency, so the client is typed by the one method used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from eks_tf_auth.aws.errors import translate_errors
from eks_tf_auth.aws.session import session
from eks_tf_auth.errors import AwsError

if TYPE_CHECKING:
    from eks_tf_auth.aws.credentials import Credentials

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_IAM"


class IamClient(Protocol):
    def get_role(self, *, RoleName: str) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Role:
    name: str
    arn: str  # as IAM spells it, path included
    path: str  # "/" or "/a/b/"
    id: str  # RoleId: a role created again under the same name gets another
    created: datetime


def client(
    profile: str | None, credentials: Credentials, *, region: str, environ: Mapping[str, str]
) -> IamClient:
    """An IAM client (IAM's global endpoint of the region's partition); the endpoint follows
    AWS_ENDPOINT_URL_IAM."""
    sess = session(profile, environ)
    with translate_errors("cannot create an IAM client", endpoint_variable=ENDPOINT_VARIABLE):
        return cast(
            "IamClient",
            sess.create_client(
                "iam",
                region_name=region,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            ),
        )


def get_role(iam: IamClient, name: str) -> Role | None:
    """GetRole by name in the caller's account; None when there is no such role."""
    from botocore.exceptions import ClientError

    context = f"cannot read IAM role {name!r}"
    with translate_errors(context, endpoint_variable=ENDPOINT_VARIABLE):
        try:
            found = iam.get_role(RoleName=name)["Role"]
        except ClientError as e:
            error = e.response.get("Error", {})
            code = error.get("Code")
            if code == "NoSuchEntity":
                return None
            if code != "AccessDenied":
                raise
            message = " ".join(str(error.get("Message", "")).split())
            raise AwsError(
                f"{context}: {code}: {message}",
                hint="the caller needs iam:GetRole to restore role paths (aws-auth drops them)",
            ) from e
    return Role(
        name=str(found["RoleName"]),
        arn=str(found["Arn"]),
        path=str(found["Path"]),
        id=str(found["RoleId"]),
        created=found["CreateDate"],
    )
