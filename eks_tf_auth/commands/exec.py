from __future__ import annotations

import os

import click

from eks_tf_auth.commands import _options


@click.command("exec", short_help="Print an ExecCredential with an EKS token.")
@_options.cluster_name(help="EKS cluster name (the token's x-k8s-aws-id).")
@click.option(
    "--cluster-id",
    help="The token's x-k8s-aws-id: an Outposts local cluster's id, or the cluster name.",
)
@_options.region()
@_options.profile()
@_options.role_arn("IAM role to assume for the token.")
@_options.assume_role_extras
@click.option(
    "--api-version",
    help="ExecCredential apiVersion, overriding KUBERNETES_EXEC_INFO "
    "(client.authentication.k8s.io/v1 or /v1beta1).",
)
@click.option("--token-only", is_flag=True, hidden=True)  # aws-iam-authenticator's (exec/shapes.py)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write the token cache [env: EKS_TF_AUTH_NO_CACHE=1].",
)
@click.pass_obj
def exec_command(
    argv: list[str],
    cluster_name: str | None,
    cluster_id: str | None,
    region: str | None,
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    session_name: str | None,
    api_version: str | None,
    token_only: bool,
    no_cache: bool,
) -> int:
    """Print an ExecCredential with an EKS token (for kubectl and Terraform providers).

    A drop-in for 'aws eks get-token': the token is only ever written to stdout.
    """
    from eks_tf_auth.exec import protocol
    from eks_tf_auth.exec.answer import ExecRequest, issue
    from eks_tf_auth.identity import ClusterRequest

    request = ExecRequest(
        ClusterRequest(
            cluster_name=cluster_name,
            cluster_id=cluster_id,
            region=region,
            profile=profile,
            role_arn=role_arn,
            external_id=external_id,
            session_name=session_name,
        ),
        api_version=protocol.check_api_version(api_version) if api_version else None,
        use_cache=not no_cache,
    )
    issued = issue(request, argv=argv, environ=os.environ)
    click.echo(protocol.token_line(issued.output) if token_only else issued.output, nl=False)
    return 0
