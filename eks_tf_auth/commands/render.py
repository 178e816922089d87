from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from eks_tf_auth.commands import _options


@click.group("render", short_help="Print provider blocks, kubeconfigs, Atlantis config.")
def render_group() -> None:
    """Print correct, formatted snippets: provider blocks, kubeconfigs, kubercs and Atlantis
    config."""


@render_group.command("provider")
@_options.cluster_name(required=True, help="EKS cluster name.")
@_options.region("Region for the exec arguments [env: AWS_REGION, profile] (not --source module).")
@_options.role_arn("IAM role the exec command assumes.")
@_options.profile("AWS profile the exec command uses.")
@click.option(
    "--provider",
    "providers",
    type=click.Choice((*_options.PROVIDERS, "all")),
    multiple=True,
    default=("all",),
    show_default=True,
    help="Provider block(s) to print; repeatable.",
)
@click.option(
    "--helm-syntax",
    type=click.Choice(_options.HELM_SYNTAXES),
    default=_options.HELM_SYNTAXES[0],
    show_default=True,
    help="helm provider 2.x blocks or 3.x attributes.",
)
@click.option(
    "--source",
    type=click.Choice(_options.SOURCES),
    default=_options.SOURCES[0],
    show_default=True,
    help="Host and CA from the eks-exec-auth module, an aws_eks_cluster data source, or "
    "literal --endpoint/--ca-data.",
)
@click.option(
    "--module-source",
    default=_options.DEFAULT_MODULE_SOURCE,
    show_default=True,
    help="Source of the eks-exec-auth module (--source module): a local path, or a git or "
    "registry source; by default this repository's, pinned to a commit.",
)
@_options.command()
@_options.api_version(_options.API_V1BETA1)
@click.option("--endpoint", help="API server URL (--source literal).")
@click.option("--ca-data", help="Base64 CA certificate (--source literal).")
@click.option("--alias", help="Provider alias.")
def provider(
    cluster_name: str,
    region: str | None,
    role_arn: str | None,
    profile: str | None,
    providers: tuple[str, ...],
    helm_syntax: str,
    source: str,
    module_source: str,
    command: str,
    api_version: str,
    endpoint: str | None,
    ca_data: str | None,
    alias: str | None,
) -> int:
    """Print Terraform provider blocks that get EKS tokens from an exec block."""
    from eks_tf_auth.identity import ClusterRequest
    from eks_tf_auth.render.providers import (
        PROVIDERS,
        ProviderRequest,
        Source,
        render_providers,
        with_region,
    )

    chosen = PROVIDERS if "all" in providers else tuple(dict.fromkeys(providers))
    request = ProviderRequest(
        ClusterRequest(
            cluster_name=cluster_name, region=region, role_arn=role_arn, profile=profile
        ),
        providers=chosen,
        helm_syntax=helm_syntax,
        source=Source(source),
        command=command,
        api_version=api_version,
        endpoint=endpoint,
        ca_data=ca_data,
        module_source=module_source,
        alias=alias,
    )
    click.echo(render_providers(with_region(request, os.environ)), nl=False)
    return 0


@render_group.command(
    "kubeconfig", short_help="Print a kubeconfig: an exec user per cluster and role."
)
@_options.cluster_name(
    multiple=True, required=True, help="EKS cluster name; repeat for several clusters."
)
@_options.region("Region of the clusters [env: AWS_REGION, profile].")
@_options.role_arn(
    "IAM role the exec user assumes; repeat for a user and a context per role.", multiple=True
)
@_options.profile("AWS profile the exec user runs with (and DescribeCluster, by default).")
@click.option(
    "--describe-profile",
    help="AWS profile for DescribeCluster, when it is not the exec user's.",
)
@click.option(
    "--alias",
    is_flag=False,
    flag_value="",
    metavar="[TEMPLATE]",
    help="Name contexts by cluster name, not ARN; or by a template of {cluster}, {role}, "
    "{account}, {region}. With a role: {cluster}-{role}.",
)
@_options.api_version(_options.API_V1)
@_options.command()
@click.option("--endpoint", help="API server URL, instead of DescribeCluster (one cluster).")
@click.option("--ca-data", help="Base64 CA certificate, with --endpoint.")
@click.option(
    "--merge-into",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Merge into this kubeconfig (backup in PATH.bak) instead of printing.",
)
@click.option("--set-context", is_flag=True, help="With --merge-into: make it the current context.")
@click.option(
    "--kuberc",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also let kubectl 1.35+ run the exec command under this kuberc (as render kuberc "
    "--merge-into).",
)
def kubeconfig(
    cluster_names: tuple[str, ...],
    region: str | None,
    role_arn: tuple[str, ...],
    profile: str | None,
    describe_profile: str | None,
    alias: str | None,
    api_version: str,
    command: str,
    endpoint: str | None,
    ca_data: str | None,
    merge_into: Path | None,
    set_context: bool,
    kuberc: Path | None,
) -> int:
    """Print a kubeconfig with an eks-tf-auth exec user per cluster and role (no AWS CLI
    needed)."""
    from eks_tf_auth.identity import ClusterRequest
    from eks_tf_auth.kube import kuberc as rc
    from eks_tf_auth.kube.kubeconfig import merge_into as merge
    from eks_tf_auth.render import kubeconfig as kc

    request, clusters = kc.lookup(
        cluster_names,
        ClusterRequest(region=region, profile=profile),
        alias=True if alias == "" else alias or False,
        api_version=api_version,
        command=command,
        endpoint=endpoint,
        ca_data=ca_data,
        environ=os.environ,
        role_arns=role_arn,
        describe_profile=describe_profile,
        progress=_progress if sys.stderr.isatty() else None,
    )
    text = kc.render_kubeconfig(clusters, request)
    # The kuberc is checked before the kubeconfig is written, and merged after it.
    kubercs = [] if kuberc is None else [(kuberc, rc.plugin_path(command, os.environ))]
    for path, plugin in kubercs:
        rc.preview(str(path), plugin, os.environ)
    if merge_into is None:
        click.echo(text, nl=False)
    else:
        backup = merge(str(merge_into), text, set_context=set_context)
        names = ", ".join(c.name for c in clusters)
        click.echo(
            f"merged {names} into {merge_into}" + (f" (backup: {backup})" if backup else ""),
            err=True,
        )
    for path, plugin in kubercs:
        _merge_kuberc(path, plugin)
    return 0


@render_group.command("kuberc", short_help="Print a kuberc that lets kubectl 1.35+ run exec.")
@_options.command(
    "The exec command to let run: eks-tf-auth, or aws for 'aws eks get-token'; a name is "
    "resolved on PATH, as kubectl resolves it."
)
@click.option(
    "--merge-into",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Add the entry to this kuberc (backup in PATH.bak) instead of printing.",
)
def kuberc(command: str, merge_into: Path | None) -> int:
    """Print a kuberc whose credential plugin allowlist (kubectl 1.35+) lets the exec command
    run."""
    from eks_tf_auth.kube import kuberc as rc
    from eks_tf_auth.render.kuberc import render_kuberc

    plugin = rc.plugin_path(command, os.environ)
    if merge_into is None:
        click.echo(render_kuberc(plugin), nl=False)
        return 0
    _merge_kuberc(merge_into, plugin)
    return 0


def _merge_kuberc(path: Path, plugin: str) -> None:
    from eks_tf_auth.kube import kuberc as rc

    merged = rc.merge_into(str(path), plugin, os.environ)
    if merged.changed:
        click.echo(f"kuberc {path}: {merged.note} (backup: {merged.backup})", err=True)
    else:
        click.echo(f"kuberc {path} left as it is: {merged.note}", err=True)


@render_group.command(
    "atlantis", short_help="Print repos.yaml, a Dockerfile and Atlantis's IAM role."
)
@_options.cluster_name(
    multiple=True, help="Cluster whose token the plan step checks first; repeatable."
)
@_options.region("Region of those clusters [env: AWS_REGION, profile].")
@click.option("--repo-id", default="/.*/", show_default=True, help="repos.yaml repo id.")
@click.option(
    "--install",
    type=click.Choice(_options.ATLANTIS_INSTALLS),
    default=_options.ATLANTIS_INSTALLS[0],
    show_default=True,
    help="How the Dockerfile adds eks-tf-auth: pip (Python and the package) or standalone "
    "(copies only the executable `make standalone` builds).",
)
@click.option(
    "--base-image",
    help=f"[default: {_options.ATLANTIS_BASE_IMAGE}; with --install standalone, "
    f"{_options.ATLANTIS_STANDALONE_BASE_IMAGE}]",
)
@click.option(
    "--identity",
    type=click.Choice(_options.ATLANTIS_IDENTITIES),
    help="Also write identity.tf: the IAM role Atlantis runs as, through EKS Pod Identity or IRSA.",
)
@click.option(
    "--atlantis-cluster", metavar="NAME", help="With --identity: the cluster Atlantis runs in."
)
@click.option(
    "--service-account",
    default=_options.ATLANTIS_SERVICE_ACCOUNT,
    show_default=True,
    metavar="NAMESPACE/NAME",
    help="With --identity: Atlantis's service account.",
)
@click.option(
    "--role-name",
    default=_options.ATLANTIS_ROLE_NAME,
    show_default=True,
    help="With --identity: the IAM role's name.",
)
@click.option("--only", type=click.Choice(_options.ATLANTIS_FILES), help="Print just this file.")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the files here instead of printing them.",
)
def atlantis(
    cluster_names: tuple[str, ...],
    region: str | None,
    repo_id: str,
    install: str,
    base_image: str | None,
    identity: str | None,
    atlantis_cluster: str | None,
    service_account: str,
    role_name: str,
    only: str | None,
    output_dir: Path | None,
) -> int:
    """Print a repos.yaml workflow that lints the saved plan, a Dockerfile snippet, and the
    role Atlantis runs as."""
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.files import write_atomic
    from eks_tf_auth.identity import ClusterRequest
    from eks_tf_auth.render.atlantis import ServiceAccountRole, clusters, render_files

    role = None
    if identity is not None or atlantis_cluster is not None:
        if identity is None or atlantis_cluster is None:
            raise InputError(
                "--identity and --atlantis-cluster go together",
                hint="name the cluster Atlantis runs in, and pod-identity or irsa",
            )
        role = ServiceAccountRole(identity, atlantis_cluster, service_account, role_name)
    found = clusters(cluster_names, ClusterRequest(region=region), os.environ)
    files = render_files(found, repo_id=repo_id, base_image=base_image, role=role, install=install)
    if only:
        if only not in files:
            raise InputError(f"--only {only} needs --identity", hint="or choose another file")
        files = {only: files[only]}
    if output_dir is not None:
        for name, text in files.items():
            write_atomic(str(output_dir / name), text.encode(), mode=0o644)
            click.echo(f"wrote {output_dir / name}", err=True)
        return 0
    if len(files) == 1:
        click.echo(next(iter(files.values())), nl=False)
        return 0
    click.echo("\n".join(f"# ==> {name} <==\n{text}" for name, text in files.items()), nl=False)
    return 0


def _progress(done: int, total: int) -> None:
    end = "\n" if done == total else ""
    click.echo(f"\rdescribing clusters: {done}/{total}", err=True, nl=False)
    click.echo(end, err=True, nl=False)
