"""The arguments an exec block runs to get a token for one identity: `eks-tf-auth exec ...`, or
`aws eks get-token ... --output json` when the command is the AWS CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass

from eks_tf_auth.errors import InputError

DEFAULT_COMMAND = "eks-tf-auth"
AWS_CLI = "aws"


@dataclass(frozen=True)
class Identity:
    """Who asks for the token: the cluster, its region, and how to get credentials."""

    cluster_name: str
    region: str
    cluster_id: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str | None = None
    profile: str | None = None


def is_aws_cli(command: str) -> bool:
    return os.path.basename(command) in (AWS_CLI, AWS_CLI + ".exe")


def build(command: str, who: Identity, *, with_cluster: bool = True) -> list[str]:
    """The exec arguments; `with_cluster=False` leaves cluster and region to kubectl's
    provideClusterInfo (eks-tf-auth only)."""
    check_command(
        command,
        who.external_id,
        who.session_name,
        hint="use the eks-tf-auth command, or drop the external id and session name",
    )
    if is_aws_cli(command):
        cluster = (
            ["--cluster-id", who.cluster_id]
            if who.cluster_id
            else ["--cluster-name", who.cluster_name]
        )
        args = ["--region", who.region, "eks", "get-token", *cluster]
        args += _flags(("--role-arn", who.role_arn), ("--profile", who.profile))
        return [*args, "--output", "json"]
    args = ["exec"]
    if with_cluster:
        cluster = (
            ["--cluster-id", who.cluster_id]
            if who.cluster_id
            else ["--cluster-name", who.cluster_name]
        )
        args += [*cluster, "--region", who.region]
    return args + _flags(
        ("--role-arn", who.role_arn),
        ("--external-id", who.external_id),
        ("--session-name", who.session_name),
        ("--profile", who.profile),
    )


def check_command(
    command: str, external_id: str | None, session_name: str | None, *, hint: str
) -> None:
    """`aws eks get-token` has no flags for an external id or a session name."""
    if is_aws_cli(command) and (external_id or session_name):
        raise InputError("aws eks get-token takes no external id or session name", hint=hint)


def env(who: Identity) -> dict[str, str]:
    """Environment for the exec block: the profile, so that tools run by it agree."""
    return {"AWS_PROFILE": who.profile} if who.profile else {}


def _flags(*pairs: tuple[str, str | None]) -> list[str]:
    return [part for flag, value in pairs if value for part in (flag, value)]
