"""The arguments an exec block runs to get a token for one identity: `eks-tf-auth exec ...`, or
`aws eks get-token ... --output json` when the command is the AWS CLI."""

from __future__ import annotations

import os

from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest

DEFAULT_COMMAND = "eks-tf-auth"
AWS_CLI = "aws"


def is_aws_cli(command: str) -> bool:
    return os.path.basename(command) in (AWS_CLI, AWS_CLI + ".exe")


def build(
    command: str, who: ClusterRequest, region: str, *, with_cluster: bool = True
) -> list[str]:
    """The exec arguments for `who` in `region`; `with_cluster=False` leaves cluster and region to
    kubectl's provideClusterInfo (eks-tf-auth only)."""
    check_command(
        command,
        who,
        hint="use the eks-tf-auth command, or drop the external id and session name",
    )
    cluster = (
        ["--cluster-id", who.cluster_id]
        if who.cluster_id
        else ["--cluster-name", who.token_cluster]
    )
    if is_aws_cli(command):
        args = ["--region", region, "eks", "get-token", *cluster]
        args += _flags(("--role-arn", who.role_arn), ("--profile", who.profile))
        return [*args, "--output", "json"]
    args = ["exec"]
    if with_cluster:
        args += [*cluster, "--region", region]
    return args + _flags(
        ("--role-arn", who.role_arn),
        ("--external-id", who.external_id),
        ("--session-name", who.session_name),
        ("--profile", who.profile),
    )


def check_command(command: str, who: ClusterRequest, *, hint: str) -> None:
    """`aws eks get-token` has no flags for an external id or a session name."""
    if is_aws_cli(command) and (who.external_id or who.session_name):
        raise InputError("aws eks get-token takes no external id or session name", hint=hint)


def env(profile: str | None) -> dict[str, str]:
    """Environment for the exec block: the profile, so that tools run by it agree."""
    return {"AWS_PROFILE": profile} if profile else {}


def _flags(*pairs: tuple[str, str | None]) -> list[str]:
    return [part for flag, value in pairs if value for part in (flag, value)]
