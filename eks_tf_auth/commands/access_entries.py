from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from eks_tf_auth.commands import _options
from eks_tf_auth.errors import InputError

F = TypeVar("F", bound=Callable[..., object])
logger = logging.getLogger(__name__)


def _identity_options(f: F) -> F:
    for decorator in reversed(
        [
            _options.region("Region of the clusters [env: AWS_REGION, profile]."),
            _options.profile(),
            _options.role_arn("IAM role to assume for the AWS and Kubernetes calls."),
            _options.assume_role_extras,
        ]
    ):
        f = decorator(f)
    return f


def _source_options(f: F) -> F:
    """Where the aws-auth mappings come from."""
    for decorator in reversed(
        [
            click.option(
                "--from-aws-auth",
                is_flag=True,
                help="Translate the aws-auth ConfigMap: the cluster's, or -f FILE.",
            ),
            click.option(
                "-f",
                "--file",
                type=click.Path(dir_okay=False),
                help="An aws-auth ConfigMap manifest, instead of the live one.",
            ),
            click.option("--kubeconfig", help="Read the live aws-auth through this kubeconfig."),
            click.option("--context", help="kubeconfig context (default: the current one)."),
        ]
    ):
        f = decorator(f)
    return f


def _fleet_options(f: F) -> F:
    for decorator in reversed(
        [
            _options.cluster_name(
                multiple=True, help="Cluster to plan against; repeat it for a fleet."
            ),
            click.option(
                "--all-clusters", is_flag=True, help="Every cluster of the region (a fleet)."
            ),
            click.option(
                "--plan",
                "plan_file",
                type=click.Path(dir_okay=False),
                help="A plan saved with 'plan --output json', instead of planning again.",
            ),
            click.option(
                "--offline",
                is_flag=True,
                help="Call no AWS API: -f FILE, with --cluster-name only naming the cluster.",
            ),
        ]
    ):
        f = decorator(f)
    return f


def _progress(done: int, total: int, cluster: str) -> None:
    click.echo(f"\rplanning clusters: {done}/{total}", err=True, nl=done == total)


def _request(options: dict[str, Any], cluster_name: str | None = None) -> Any:
    from eks_tf_auth.identity import ClusterRequest

    return ClusterRequest(
        cluster_name=cluster_name,
        region=options["region"],
        profile=options["profile"],
        role_arn=options["role_arn"],
        external_id=options["external_id"],
        session_name=options["session_name"],
    )


def _aws_auth(options: dict[str, Any], cluster: Any) -> Any:
    """The aws-auth data: -f, --kubeconfig/--context, else the cluster's own."""
    from eks_tf_auth.access.plan import read_aws_auth

    named = options["file"] is not None or options["kubeconfig"] or options["context"]
    return read_aws_auth(
        file=options["file"],
        cluster=None if named else cluster,
        kubeconfig=options["kubeconfig"],
        context=options["context"],
        environ=os.environ,
    )


def _plans(options: dict[str, Any]) -> tuple[list[Any], Any]:
    """The plans the options ask for, and the fleet (None for one cluster)."""
    from dataclasses import replace

    from eks_tf_auth.access import plan as planning
    from eks_tf_auth.aws.eks import list_clusters

    names: tuple[str, ...] = options["cluster_names"]
    if options["plan_file"] is not None:
        if options["from_aws_auth"] or options["file"] or options["all_clusters"]:
            raise InputError("--plan is read as it is: give it without --from-aws-auth, -f")
        plans = planning.read_plans(options["plan_file"])
        chosen = [p for p in plans if not names or (p.cluster and p.cluster.name in names)]
        if not chosen:
            raise InputError(f"{options['plan_file']} has no plan for {', '.join(names)}")
        return chosen, None
    if not options["from_aws_auth"]:
        raise InputError(
            "say what to translate: --from-aws-auth (or --plan FILE)",
            hint="the aws-auth ConfigMap is the source: --from-aws-auth with --cluster-name or -f",
        )
    if options["all_clusters"] and names:
        raise InputError("--all-clusters and --cluster-name both name the clusters: give one")
    one_source = options["file"] is not None or options["kubeconfig"] or options["context"]
    if one_source and (len(names) > 1 or options["all_clusters"]):
        raise InputError(
            "-f and --kubeconfig/--context read one aws-auth: give one --cluster-name",
            hint="for a fleet, leave them out: each cluster's own aws-auth is read",
        )
    if options["offline"] or not (names or options["all_clusters"]):
        if options["offline"] and options["file"] is None:
            raise InputError("--offline reads aws-auth from a file: give -f FILE")
        identity = [options[k] for k in ("region", "profile", "role_arn")]
        if any(v is not None for v in identity) and not options["offline"]:
            raise InputError(
                "--region, --profile and --role-arn go with --cluster-name",
                hint="without a cluster nothing is asked of AWS",
            )
        data = _aws_auth(options, None)
        return [planning.offline(names[0] if names else None, data)], None
    who = _request(options)
    region, clients = planning.client_factory(who, os.environ)
    if options["all_clusters"]:
        names = tuple(list_clusters(clients().eks, region))

    def plan_one(name: str) -> Any:
        data = _aws_auth(options, replace(who, cluster_name=name, region=region))
        return planning.gather(name, clients(), data, region=region)

    if len(names) == 1 and not options["all_clusters"]:
        return [plan_one(names[0])], None
    fleet = planning.fleet(names, plan_one, progress=_progress if sys.stderr.isatty() else None)
    return list(fleet.plans), fleet


def _failures(fleet: Any) -> int:
    for failure in fleet.failures if fleet is not None else ():
        hint = f" ({failure.hint})" if failure.hint else ""
        logger.error("cluster %s: %s%s", failure.cluster, failure.message, hint)
    return 1 if fleet is not None and fleet.failures else 0


@click.group(
    "access-entries",
    short_help="Migrate aws-auth mappings to EKS access entries.",
)
def access_entries_group() -> None:
    """Migrate clusters from the aws-auth ConfigMap to EKS access entries: translate each
    mapping exactly as EKS reads it (the last duplicate wins), say what cannot move and why,
    write Terraform with import blocks, apply idempotently, then switch the mode.

    Sources: --from-aws-auth with --cluster-name NAME (the live ConfigMap; repeat it, or
    --all-clusters, for a fleet), -f FILE or --kubeconfig/--context; or --plan FILE. Needs the
    kube extra: pip install 'eks-tf-auth[kube]'.
    """


@access_entries_group.command("plan")
@_source_options
@_fleet_options
@_identity_options
@click.option(
    "--output",
    type=click.Choice(_options.PLAN_OUTPUTS),
    default="text",
    show_default=True,
    help="json is the plan that --plan reads back.",
)
def plan(output: str, **options: Any) -> int:
    """Translate each aws-auth mapping into an access entry, against the cluster's entries."""
    from eks_tf_auth.access import report

    plans, fleet = _plans(options)
    if output == "json":
        click.echo(report.plan_json(plans, fleet), nl=False)
    elif fleet is None:
        click.echo(report.plan_text(plans[0]), nl=False)
    else:
        click.echo(report.fleet_text(fleet), nl=False)
    return _failures(fleet)


@access_entries_group.command("render")
@_source_options
@_fleet_options
@_identity_options
def render(**options: Any) -> int:
    """Print Terraform: access entries, policy associations, import blocks for what exists."""
    from eks_tf_auth.access.terraform import render_terraform

    plans, fleet = _plans(options)
    if plans:
        click.echo(render_terraform(plans), nl=False)
    return _failures(fleet)


@access_entries_group.command("apply")
@_source_options
@_options.cluster_name(help="The cluster to apply to.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="A plan saved with 'plan --output json' (its cluster is re-read before any change).",
)
@_identity_options
@click.option("--dry-run", is_flag=True, help="Say what would be created; change nothing.")
def apply(cluster_name: str | None, dry_run: bool, **options: Any) -> int:
    """Create the missing access entries and policy associations (never deletes or changes)."""
    from eks_tf_auth.access import plan as planning
    from eks_tf_auth.access import report
    from eks_tf_auth.access.apply import apply as apply_plan

    if options["plan_file"] is None and cluster_name is None:
        raise InputError("apply needs a cluster: --cluster-name NAME (or --plan FILE)")
    chosen = _plans(
        {
            **options,
            "cluster_names": (cluster_name,) if cluster_name else (),
            "all_clusters": False,
            "offline": False,
        }
    )[0]
    if len(chosen) != 1:
        raise InputError(
            f"{options['plan_file']} holds {len(chosen)} plans: pick one with --cluster-name"
        )
    found = chosen[0]
    region = found.cluster.region if found.cluster else None
    who = _request({**options, "region": options["region"] or region})
    result = apply_plan(found, planning.client_factory(who, os.environ)[1](), dry_run=dry_run)
    click.echo(report.apply_text(result), nl=False)
    return 0 if result.ok else 1


@access_entries_group.command("set-mode")
@click.argument("mode", type=click.Choice(_options.AUTH_MODES))
@_options.cluster_name(required=True, help="The cluster to switch.")
@_identity_options
@click.option(
    "-f",
    "--file",
    type=click.Path(dir_okay=False),
    help="Check API against this aws-auth manifest, instead of the live ConfigMap.",
)
@click.option("--kubeconfig", help="Read the live aws-auth through this kubeconfig.")
@click.option("--context", help="kubeconfig context (default: the current one).")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False),
    help="Check API against this saved plan instead.",
)
@click.option("--force", is_flag=True, help="Switch to API even with unmigrated mappings.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=1800,
    show_default=True,
    help="Seconds to wait for the update.",
)
def set_mode(mode: str, cluster_name: str, force: bool, timeout: float, **options: Any) -> int:
    """Switch the authentication mode (one-way), and wait for the update.

    API stops EKS reading aws-auth: it is refused while the plan has mappings that no access
    entry stands for, unless --force.
    """
    from eks_tf_auth.access import mode as modes
    from eks_tf_auth.access import plan as planning
    from eks_tf_auth.access.model import Mode

    who = _request(options, cluster_name)
    region, clients = planning.client_factory(who, os.environ)
    client = clients()

    def check() -> Any:
        chosen = _plans(
            {
                **options,
                "from_aws_auth": options["plan_file"] is None,
                "cluster_names": (cluster_name,),
                "all_clusters": False,
                "offline": False,
            }
        )[0]
        return chosen[0]

    logger.warning("%s", modes.ONE_WAY)
    change = modes.set_mode(
        client,
        cluster_name,
        region,
        Mode(mode),
        plan=check,
        force=force,
        timeout=timeout,
        progress=_update_progress if sys.stderr.isatty() else None,
    )
    if change.update_id is None:
        click.echo(f"cluster {cluster_name} is in {mode} mode already: nothing to do")
        return 0
    before = change.before.value if change.before else "an unreported mode"
    click.echo(
        f"cluster {cluster_name}: {before} -> {mode} (update {change.update_id}, "
        f"{change.seconds:.0f} s)"
    )
    return 0


def _update_progress(status: str, seconds: float) -> None:
    click.echo(f"\rupdate {status}: {seconds:.0f} s", err=True, nl=status != "InProgress")
