"""Terraform's `external` data-source protocol: a JSON object of strings in, one out.

The result gives a stack everything its provider blocks need: the cluster's endpoint and CA, and
`exec` arguments that reproduce the region, role and profile, for `eks-tf-auth exec` or
`aws eks get-token`. A token is included only on request: a data-source token is frozen into
saved plans and state, which is what `exec` exists to avoid.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from eks_tf_auth import credential, exec_credential, validate
from eks_tf_auth import exec_args as exec_args_mod
from eks_tf_auth.awsconfig import load_settings
from eks_tf_auth.errors import AwsError, InputError
from eks_tf_auth.sts import resolve_endpoint
from eks_tf_auth.token import presign_token, utcnow

logger = logging.getLogger(__name__)

QUERY_KEYS = (
    "cluster_name",
    "cluster_id",
    "region",
    "profile",
    "role_arn",
    "external_id",
    "session_name",
    "command",
    "api_version",
    "include_token",
)
FROZEN_TOKEN_NOTE = (
    "include_token: this token is frozen into saved plans and state and expires 15 minutes "
    "after the plan; prefer the exec arguments (lint rule ETA006 flags this use)"
)


@dataclass(frozen=True)
class Query:
    cluster_name: str
    cluster_id: str | None = None
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str | None = None
    command: str = exec_args_mod.DEFAULT_COMMAND
    api_version: str = exec_credential.DEFAULT_API_VERSION
    include_token: bool = False


def parse_query(raw: str) -> Query:
    """Terraform's query: an object whose values are all strings; "" counts as not given."""
    try:
        doc = json.loads(raw or "{}")
    except json.JSONDecodeError as e:
        raise InputError(f"the query on stdin is not JSON ({e.msg} at char {e.pos})") from e
    if not isinstance(doc, dict):
        raise InputError("the query on stdin must be a JSON object")
    unknown = sorted(set(doc) - set(QUERY_KEYS))
    if unknown:
        raise InputError(
            f"unknown query key(s): {', '.join(unknown)}; expected some of {', '.join(QUERY_KEYS)}"
        )
    not_strings = sorted(k for k, v in doc.items() if not isinstance(v, str))
    if not_strings:
        raise InputError(f"query value(s) must be strings: {', '.join(not_strings)}")
    given = {k: v for k, v in doc.items() if v != ""}
    name = given.get("cluster_name")
    if name is None:
        raise InputError("the query needs cluster_name (and cluster_id for an Outposts cluster)")
    include = given.pop("include_token", "false")
    if include not in ("true", "false"):
        raise InputError(f'include_token must be "true" or "false", not {include!r}')
    query = Query(**given, include_token=include == "true")
    _validate(query)
    return query


def describe(
    query: Query,
    environ: Mapping[str, str],
    *,
    now: Callable[[], datetime] = utcnow,
) -> dict[str, str]:
    """Look the cluster up and return the data source's result, every value a string."""
    from eks_tf_auth import aws

    settings = load_settings(environ, profile=query.profile)
    region = query.region or settings.region
    if not region:
        raise InputError(
            f"no region for cluster {query.cluster_name!r}: set region in the query, AWS_REGION "
            "or the profile"
        )
    endpoint = resolve_endpoint(validate.region(region), settings)
    creds = credential.resolve_credentials(
        environ,
        profile=query.profile,
        role_arn=query.role_arn,
        external_id=query.external_id,
        session_name=query.session_name,
        region=region,
        endpoint=endpoint,
    )
    cluster = aws.describe_cluster(query.profile, creds, name=query.cluster_name, region=region)
    if cluster.status != "ACTIVE":
        raise AwsError(
            f"cluster {cluster.name!r} in {region} is {cluster.status}, not ACTIVE",
            hint="wait for the cluster to become ACTIVE",
        )
    result = {
        "cluster_name": cluster.name,
        "region": region,
        "endpoint": cluster.endpoint,
        "certificate_authority_data": cluster.certificate_authority_data,
        "exec_api_version": query.api_version,
        "exec_command": query.command,
        "exec_args": json.dumps(exec_args(query, region)),
        "exec_env": json.dumps(exec_args_mod.env(_identity(query, region))),
    }
    if query.include_token:
        logger.warning("%s", FROZEN_TOKEN_NOTE)
        token = presign_token(creds, query.cluster_id or cluster.name, endpoint, now=now)
        result["token"] = token.value
        result["expiration"] = token.expires_at.astimezone(timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    return result


def exec_args(query: Query, region: str) -> list[str]:
    """Arguments for the provider's exec block that ask for this query's identity."""
    return exec_args_mod.build(query.command, _identity(query, region))


def _identity(query: Query, region: str) -> exec_args_mod.Identity:
    return exec_args_mod.Identity(
        cluster_name=query.cluster_name,
        region=region,
        cluster_id=query.cluster_id,
        role_arn=query.role_arn,
        external_id=query.external_id,
        session_name=query.session_name,
        profile=query.profile,
    )


def _validate(query: Query) -> None:
    validate.cluster_name(query.cluster_name)
    if query.cluster_id is not None:
        validate.cluster_id(query.cluster_id)
    if query.region is not None:
        validate.region(query.region)
    credential.validate_role_options(
        query.role_arn, query.external_id, query.session_name, flags=False
    )
    if query.api_version not in exec_credential.API_VERSIONS:
        raise InputError(
            f"api_version must be one of {', '.join(exec_credential.API_VERSIONS)}, "
            f"not {query.api_version!r}"
        )
    exec_args_mod.check_command(
        query.command,
        query.external_id,
        query.session_name,
        hint='use command = "eks-tf-auth", or drop external_id and session_name',
    )
