"""A token held against the rules EKS's authenticator applies before it asks STS
(aws-iam-authenticator pkg/token `Verify`): the prefix, at most 4096 characters, a base64url
presigned GetCallerIdentity URL on an STS host of the cluster's partition, path `/`, its credential
scope's region and service agreeing with the host, and `x-k8s-aws-id` among the signed headers.

The token's format belongs to `eks_tf_auth.token` (decode, signing time, signing); this module only
reads what it decodes. Which cluster a token is bound to is not in the token (the header is signed,
not sent); `bound_to` re-signs the same request for a cluster with the same credentials and compares
signatures, which answers it where the token was signed with those credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from eks_tf_auth.aws.credentials import Credentials
from eks_tf_auth.aws.endpoints import GLOBAL_HOST, GLOBAL_SIGNING_REGION, Endpoint, partition
from eks_tf_auth.token import (
    CLUSTER_ID_HEADER,
    MAX_TOKEN_LENGTH,
    PRESIGN_EXPIRES,
    STS_ACTION,
    TOKEN_PREFIX,
    decode,
    presign_token,
    signed_at,
)

__all__ = ["Shape", "bound_to", "inspect"]


@dataclass(frozen=True)
class Shape:
    """What a token says, and the first rule it breaks (None: EKS would pass it on to STS)."""

    length: int
    host: str | None = None
    scope_region: str | None = None
    signed_headers: tuple[str, ...] = ()
    signed_at: datetime | None = None
    expires: int | None = None
    session: bool = False  # it carries a session token (temporary credentials)
    problem: str | None = None


def inspect(token: str, cluster_region: str | None) -> Shape:
    """The token's shape and the first rule it breaks, for a cluster in `cluster_region`."""
    length = len(token)
    if not token.startswith(TOKEN_PREFIX):
        return Shape(length, problem=f"it does not start with {TOKEN_PREFIX}: not an EKS token")
    url = decode(token)
    if url is None:
        return Shape(length, problem="its body is not base64url text")
    try:
        parts = urlsplit(url)
        host = parts.netloc
    except ValueError:
        return Shape(length, problem="its body is not a URL")
    query = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
    credential = query.get("x-amz-credential", "").split("/")
    scope_region = credential[2] if len(credential) == 5 else None
    headers = tuple(query.get("x-amz-signedheaders", "").split(";"))
    expires = query.get("x-amz-expires", "")
    shape = Shape(
        length=length,
        host=host,
        scope_region=scope_region,
        signed_headers=headers,
        signed_at=signed_at(token),
        expires=int(expires) if expires.isdigit() else None,
        session="x-amz-security-token" in query,
    )
    problems = _problems(shape, parts.scheme, parts.path, query, cluster_region)
    return replace(shape, problem=problems[0]) if problems else shape


def _problems(
    shape: Shape, scheme: str, path: str, query: dict[str, str], cluster_region: str | None
) -> list[str]:
    found = []
    host = (shape.host or "").lower()
    if host not in sts_hosts(shape.scope_region or cluster_region or "", cluster_region):
        found.append(
            f"it is signed for {host or 'no host'}, which EKS does not accept: only AWS STS "
            f"hosts of the cluster's partition (sts.REGION.{_suffix(cluster_region)})"
        )
    if shape.length > MAX_TOKEN_LENGTH:
        found.append(
            f"it is {shape.length} characters long; EKS refuses tokens over {MAX_TOKEN_LENGTH} "
            "with a bare 401"
        )
    if scheme != "https" or path != "/":
        found.append(f"it is not an https://HOST/ URL ({scheme}://{shape.host}{path})")
    if query.get("action", "").lower() != STS_ACTION.lower():
        found.append(f"its Action is not {STS_ACTION}")
    if CLUSTER_ID_HEADER not in shape.signed_headers or "host" not in shape.signed_headers:
        found.append(
            f"its signed headers are {';'.join(shape.signed_headers) or 'none'}: without "
            f"{CLUSTER_ID_HEADER} it is bound to no cluster"
        )
    if shape.signed_at is None:
        found.append("it has no readable X-Amz-Date")
    if shape.scope_region is None:
        found.append("it has no readable credential scope")
    return found


def sts_hosts(scope_region: str, cluster_region: str | None) -> frozenset[str]:
    """The STS hosts EKS accepts a token for, signed for `scope_region`, for a cluster in
    `cluster_region` (the same partition)."""
    region = cluster_region or scope_region
    if not region or not scope_region:
        return frozenset()
    part = partition(region)
    if partition(scope_region).name != part.name:
        return frozenset()
    hosts = {
        f"sts.{scope_region}.{part.dns_suffix}",
        f"sts-fips.{scope_region}.{part.dns_suffix}",
        f"sts.{scope_region}.{part.dualstack_dns_suffix}",
        f"sts-fips.{scope_region}.{part.dualstack_dns_suffix}",
    }
    if part.name == "aws" and scope_region == GLOBAL_SIGNING_REGION:
        hosts.add(GLOBAL_HOST)
    return frozenset(hosts)


def _suffix(region: str | None) -> str:
    return partition(region).dns_suffix if region else "amazonaws.com"


def bound_to(token: str, credentials: Credentials, cluster: str) -> bool | None:
    """Whether `token` is bound to `cluster` (its x-k8s-aws-id): True or False where it was
    signed with `credentials` as eks-tf-auth and the AWS CLI sign (X-Amz-Expires 60), None where
    that cannot be told."""
    url = decode(token)
    moment = signed_at(token)
    if url is None or moment is None:
        return None
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    key = query.get("X-Amz-Credential", "").split("/")
    if key[0] != credentials.access_key_id or len(key) != 5:
        return None
    if query.get("X-Amz-Expires") != str(PRESIGN_EXPIRES):
        return None
    if query.get("X-Amz-Security-Token") != credentials.session_token:
        return None
    parts = urlsplit(url)
    endpoint = Endpoint(f"{parts.scheme}://{parts.netloc}", parts.netloc, key[2])
    unexpiring = Credentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    again = decode(presign_token(unexpiring, cluster, endpoint, now=lambda: moment).value) or ""
    ours = parse_qs(urlsplit(again).query).get("X-Amz-Signature", [""])[-1]
    return ours == query.get("X-Amz-Signature")
