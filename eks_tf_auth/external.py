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
from datetime import datetime

from eks_tf_auth import identity, validate
from eks_tf_auth.errors import AwsError, InputError
from eks_tf_auth.exec import argv, protocol
from eks_tf_auth.token import format_time, utcnow
from eks_tf_auth.validate import quoted

logger = logging.getLogger(__name__)

IDENTITY_KEYS = (
    "cluster_name",
    "cluster_id",
    "region",
    "profile",
    "role_arn",
    "external_id",
    "session_name",
)
QUERY_KEYS = (*IDENTITY_KEYS, "command", "api_version", "include_token")
FROZEN_TOKEN_NOTE = (
    "include_token: this token is frozen into saved plans and state and expires 15 minutes "
    "after the plan; prefer the exec arguments (lint rule ETA006 flags this use)"
)


@dataclass(frozen=True)
class Query:
    who: identity.ClusterRequest  # cluster_name is set: DescribeCluster needs it
    command: str = argv.DEFAULT_COMMAND
    api_version: str = protocol.DEFAULT_API_VERSION
    include_token: bool = False


def parse_query(raw: str) -> Query:
    """Terraform's query: an object whose values are all strings; "" counts as not given."""
    try:
        doc = json.loads(raw or "{}")
    except json.JSONDecodeError as e:
        raise InputError(f"the query on stdin is not JSON ({e.msg} at char {e.pos})") from e
    except RecursionError as e:
        raise InputError("the query on stdin is nested too deeply; it must be a flat object") from e
    except ValueError as e:  # an integer of more digits than Python converts
        raise InputError(
            "the query on stdin holds a number too long to read; every value must be a string"
        ) from e
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
    if given.get("cluster_name") is None:
        raise InputError("the query needs cluster_name (and cluster_id for an Outposts cluster)")
    include = given.get("include_token", "false")
    if include not in ("true", "false"):
        raise InputError(f'include_token must be "true" or "false", not {quoted(include)}')
    query = Query(
        identity.ClusterRequest(**{k: v for k, v in given.items() if k in IDENTITY_KEYS}),
        command=validate.command(given.get("command", argv.DEFAULT_COMMAND)),
        api_version=protocol.check_api_version(
            given.get("api_version", protocol.DEFAULT_API_VERSION), source="api_version"
        ),
        include_token=include == "true",
    )
    argv.check_command(
        query.command,
        query.who,
        hint='use command = "eks-tf-auth", or drop external_id and session_name',
    )
    return query


def describe(
    query: Query,
    environ: Mapping[str, str],
    *,
    now: Callable[[], datetime] = utcnow,
) -> dict[str, str]:
    """Look the cluster up and return the data source's result, every value a string."""
    from eks_tf_auth.aws.eks import describe_cluster

    resolved = identity.resolve(query.who, environ)
    region = resolved.region
    creds = identity.credentials(resolved, environ)
    name = query.who.cluster_name
    assert name is not None  # parse_query requires it
    cluster = describe_cluster(query.who.profile, creds, name=name, region=region, environ=environ)
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
        "exec_env": json.dumps(argv.env(query.who.profile)),
    }
    if query.include_token:
        logger.warning("%s", FROZEN_TOKEN_NOTE)
        token = identity.mint_token(resolved, creds, now=now)
        result["token"] = token.value
        result["expiration"] = format_time(token.expiration)
    return result


def exec_args(query: Query, region: str) -> list[str]:
    """Arguments for the provider's exec block that ask for this query's identity."""
    return argv.build(query.command, query.who, region)
