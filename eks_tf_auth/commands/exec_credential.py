from __future__ import annotations

import os

import click


@click.command("exec", short_help="Print an ExecCredential with an EKS token.")
@click.option("--cluster-name", help="EKS cluster name (the token's x-k8s-aws-id).")
@click.option("--cluster-id", help="Cluster id of an EKS local cluster on Outposts.")
@click.option("--region", help="AWS region of the cluster [env: AWS_REGION, profile].")
@click.option("--profile", help="AWS profile to take credentials from.")
@click.option("--role-arn", "--role", "role_arn", help="IAM role to assume for the token.")
@click.option("--external-id", help="External id for assuming --role-arn.")
@click.option("--session-name", help="Role session name for assuming --role-arn.")
@click.option(
    "--api-version",
    help="ExecCredential apiVersion, overriding KUBERNETES_EXEC_INFO "
    "(client.authentication.k8s.io/v1 or /v1beta1).",
)
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
    no_cache: bool,
) -> int:
    """Print an ExecCredential with an EKS token (for kubectl and Terraform providers).

    A drop-in for 'aws eks get-token': the token is only ever written to stdout.
    """
    from eks_tf_auth.credential import ExecRequest, issue

    request = ExecRequest(
        cluster_name=cluster_name,
        cluster_id=cluster_id,
        region=region,
        profile=profile,
        role_arn=role_arn,
        external_id=external_id,
        session_name=session_name,
        api_version=api_version,
        use_cache=not no_cache,
    )
    issued = issue(request, argv=argv, environ=os.environ)
    click.echo(issued.output, nl=False)
    return 0
