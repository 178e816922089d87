"""Which STS endpoint signs the token: host, URL and signing region for a region and settings.

The DNS suffixes of each partition come from botocore's own `partitions.json`, read as data so that
botocore's code is not imported; the STS-specific rules (legacy global endpoint, GovCloud FIPS)
follow botocore's STS endpoint rule set. `tests/aws/test_endpoints.py` compares every combination
to botocore.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from eks_tf_auth.aws.config import AwsSettings
from eks_tf_auth.errors import InputError
from eks_tf_auth.validate import quoted

GLOBAL_HOST = "sts.amazonaws.com"
GLOBAL_SIGNING_REGION = "us-east-1"
# Regions that `sts_regional_endpoints = legacy` sends to the global endpoint.
LEGACY_GLOBAL_REGIONS = frozenset(
    {
        "aws-global", "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
        "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
        "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    url: str  # scheme://host[:port] plus any path prefix, without a trailing slash
    host: str  # what the Host header (and so the signature) carries
    signing_region: str

    @property
    def path(self) -> str:
        """The path a request to the endpoint's root goes to (a prefix of the URL's, and /)."""
        return (urlsplit(self.url).path or "") + "/"


@dataclass(frozen=True)
class Partition:
    name: str
    dns_suffix: str
    dualstack_dns_suffix: str
    regions: frozenset[str]
    region_regex: re.Pattern[str]


def resolve_endpoint(region: str, settings: AwsSettings) -> Endpoint:
    """The STS endpoint for `region`, as botocore would choose it for these settings."""
    if settings.sts_endpoint_url:
        return _custom_endpoint(settings.sts_endpoint_url, region)
    part = partition(region)
    fips, dualstack = settings.use_fips_endpoint, settings.use_dualstack_endpoint
    if fips and dualstack:
        host = f"sts-fips.{region}.{part.dualstack_dns_suffix}"
    elif fips and part.name == "aws-us-gov":
        host = f"sts.{region}.{part.dns_suffix}"  # GovCloud's regional STS is already FIPS
    elif fips:
        host = f"sts-fips.{region}.{part.dns_suffix}"
    elif dualstack:
        host = f"sts.{region}.{part.dualstack_dns_suffix}"
    elif settings.sts_regional_endpoints == "legacy" and region in LEGACY_GLOBAL_REGIONS:
        return Endpoint(f"https://{GLOBAL_HOST}", GLOBAL_HOST, GLOBAL_SIGNING_REGION)
    else:
        host = f"sts.{region}.{part.dns_suffix}"
    return Endpoint(f"https://{host}", host, region)


def partition(region: str) -> Partition:
    """The partition that botocore assigns `region` to: listed regions first, then patterns."""
    table = _partitions()
    for part in table:
        if region in part.regions:
            return part
    for part in table:
        if part.region_regex.match(region):
            return part
    return next(part for part in table if part.name == "aws")


@lru_cache(maxsize=1)
def _partitions() -> tuple[Partition, ...]:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise InputError("botocore is not installed", hint="reinstall eks-tf-auth")
    path = os.path.join(next(iter(spec.submodule_search_locations)), "data", "partitions.json")
    with open(path, encoding="utf-8") as f:
        entries = json.load(f)["partitions"]
    return tuple(
        Partition(
            name=e["id"],
            dns_suffix=e["outputs"]["dnsSuffix"],
            dualstack_dns_suffix=e["outputs"]["dualStackDnsSuffix"],
            regions=frozenset(e["regions"]),
            region_regex=re.compile(e["regionRegex"]),
        )
        for e in entries
    )


def _custom_endpoint(url: str, region: str) -> Endpoint:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("https", "http") and bool(parts.hostname)
    except ValueError:
        valid = False
    if valid and (parts.username is not None or parts.password is not None):
        raise InputError(
            "the STS endpoint URL carries a user name or password, which would be signed into "
            "every token",
            hint="remove the user info from AWS_ENDPOINT_URL_STS / endpoint_url",
        )
    if not valid:
        raise InputError(
            f"invalid STS endpoint URL {quoted(url)}",
            hint="AWS_ENDPOINT_URL_STS / endpoint_url must look like https://sts.example.com",
        )
    return Endpoint(
        f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}", parts.netloc, region
    )
