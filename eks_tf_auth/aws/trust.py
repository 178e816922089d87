"""IAM read for `doctor`: a role's trust policy, unique id and creation date (`aws.iam.get_role`
gives its path only), and the account's OpenID Connect providers with their client ids (IRSA).

The client is injected (`aws.iam.client()` builds one), so tests can hand in a client pointed at
moto or a `Stubber`. boto3-stubs for IAM are not a dependency, so the client is typed by the
methods used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from eks_tf_auth.aws.errors import translate_errors

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_IAM"


class IamReader(Protocol):
    def get_role(self, *, RoleName: str) -> Mapping[str, Any]: ...
    def list_open_id_connect_providers(self) -> Mapping[str, Any]: ...
    def get_open_id_connect_provider(
        self, *, OpenIDConnectProviderArn: str
    ) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class RoleTrust:
    name: str
    arn: str  # path included
    role_id: str  # AROA...: a role deleted and created again gets a new one
    created: datetime
    policy: Mapping[str, Any] = field(hash=False)  # the trust (assume-role) policy document


@dataclass(frozen=True)
class OidcProvider:
    arn: str
    url: str  # as IAM keeps it: host and path, no scheme
    client_ids: tuple[str, ...]


def role_trust(iam: IamReader, name: str) -> RoleTrust | None:
    """GetRole by name; None when there is no such role."""
    from botocore.exceptions import ClientError

    context = f"cannot read IAM role {name!r}"
    with translate_errors(context, endpoint_variable=ENDPOINT_VARIABLE):
        try:
            found = iam.get_role(RoleName=name)["Role"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "NoSuchEntity":
                return None
            raise
    # The API sends it URL-encoded JSON; botocore's IAM handlers decode it to a dict.
    document = found.get("AssumeRolePolicyDocument") or {}
    return RoleTrust(
        name=str(found["RoleName"]),
        arn=str(found["Arn"]),
        role_id=str(found["RoleId"]),
        created=found["CreateDate"],
        policy=document,
    )


def oidc_provider(iam: IamReader, url: str) -> OidcProvider | None:
    """The account's OpenID Connect provider for the issuer `url` (with or without https://);
    None when the account has none."""
    wanted = url.removeprefix("https://").rstrip("/").lower()
    with translate_errors(
        "cannot list the IAM OIDC providers", endpoint_variable=ENDPOINT_VARIABLE
    ):
        listed = iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", [])
        for item in listed:
            arn = str(item.get("Arn", ""))
            if arn.partition(":oidc-provider/")[2].lower() != wanted:
                continue
            found = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
            return OidcProvider(
                arn=arn,
                url=str(found.get("Url", wanted)),
                client_ids=tuple(str(c) for c in found.get("ClientIDList", [])),
            )
    return None
