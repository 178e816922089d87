from __future__ import annotations

import os
import re

import click

from eks_tf_auth.commands import _options

OUTPUTS = ("text", "json")  # eks_tf_auth.doctor.formats.FORMATS
_SERVICE_ACCOUNT = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?")


def _service_account(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, str] | None:
    if value is None:
        return None
    if len(value) > 317 or not _SERVICE_ACCOUNT.fullmatch(value):
        raise click.BadParameter("give NAMESPACE/NAME, e.g. kube-system/aws-node")
    namespace, name = value.split("/")
    return namespace, name


@click.command(
    "doctor",
    short_help="Explain an EKS 401 (Unauthorized) and what to change.",
)
@_options.cluster_name(help="EKS cluster to diagnose (else the kubeconfig's exec block names it).")
@_options.region()
@_options.profile()
@_options.role_arn("IAM role to assume, as exec --role-arn would.")
@_options.assume_role_extras
@click.option("--kubeconfig", help="kubeconfig file to check [env: KUBECONFIG].")
@click.option("--context", help="kubeconfig context (default: the current one).")
@click.option(
    "--service-account",
    metavar="NS/NAME",
    callback=_service_account,
    help="Check IRSA for this service account (its role-arn annotation and the role's trust).",
)
@click.option(
    "--aws-auth",
    "aws_auth_file",
    type=click.Path(dir_okay=False),
    help="An aws-auth manifest to match against, when the caller cannot read the live one.",
)
@click.option(
    "--logs", is_flag=True, help="Read the authenticator's 'access denied' lines (CloudWatch)."
)
@click.option("--output", type=click.Choice(OUTPUTS), default=OUTPUTS[0], show_default=True)
def doctor_command(
    cluster_name: str | None,
    region: str | None,
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    session_name: str | None,
    kubeconfig: str | None,
    context: str | None,
    service_account: tuple[str, str] | None,
    aws_auth_file: str | None,
    logs: bool,
    output: str,
) -> int:
    """Explain "You must be logged in to the server (Unauthorized)": credentials, identity,
    token, clock, cluster, logs, access entry, aws-auth, mapping, kubeconfig, kuberc, exec
    plugin, whoami and IRSA, checked in order from this side, each with one line of finding and
    one of fix.

    Give --cluster-name (with the identity flags exec takes), or a kubeconfig context (with
    neither, kubectl's current one). Exit codes: 0 nothing failed, 1 a check failed, 2 usage or
    input error. Needs the kube extra: pip install 'eks-tf-auth[kube]'.
    """
    from eks_tf_auth import doctor
    from eks_tf_auth.doctor import formats
    from eks_tf_auth.identity import ClusterRequest

    request = None
    if cluster_name is None and (region or profile or role_arn or external_id or session_name):
        raise click.UsageError("the identity flags go with --cluster-name")
    if cluster_name is not None:
        request = ClusterRequest(
            cluster_name=cluster_name,
            region=region,
            profile=profile,
            role_arn=role_arn,
            external_id=external_id,
            session_name=session_name,
        )
    inputs = doctor.Inputs(
        request=request,
        kubeconfig=kubeconfig,
        context=context,
        service_account=service_account,
        aws_auth_file=aws_auth_file,
        logs=logs,
    )
    report = doctor.diagnose(inputs, os.environ)
    click.echo(formats.FORMATS[output](report), nl=False)
    return 1 if report.count(doctor.Status.FAIL) else 0
