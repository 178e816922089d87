from __future__ import annotations

import json
import os
import sys

import click


@click.command("external", short_help="Program for a Terraform external data source.")
def external_command() -> int:
    """Answer a Terraform `data "external"` query (JSON on stdin) with the cluster's endpoint,
    CA and exec arguments (JSON on stdout). Errors are one line on stderr.

    Query keys: cluster_name (required), cluster_id, region, profile, role_arn, external_id,
    session_name, command (default eks-tf-auth; "aws" for aws eks get-token), api_version,
    include_token ("false" by default).
    """
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.external import describe, parse_query

    try:
        raw = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError("the query on stdin is not UTF-8 text") from e
    query = parse_query(raw)
    result = describe(query, os.environ)
    click.echo(json.dumps(result, separators=(",", ":")))
    return 0
