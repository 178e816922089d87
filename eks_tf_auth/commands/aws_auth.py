from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, TypeVar

import click

from eks_tf_auth.commands import _options
from eks_tf_auth.errors import InputError

F = TypeVar("F", bound=Callable[..., object])
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m)?")


def _duration(ctx: click.Context | None, param: click.Parameter | None, value: str) -> float:
    """Seconds from `200ms`, `1.5s`, `2m` or a plain number of seconds (an option callback, so
    that a bad value names its option)."""
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise click.BadParameter(f"{value!r} is not a duration such as 200ms, 30s or 1m")
    number, unit = float(match.group(1)), match.group(2) or "s"
    return number * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def _target_options(f: F) -> F:
    """Where the aws-auth ConfigMap is: a file, a cluster by name (and as whom), a kubeconfig
    context, or in-cluster; and whom to impersonate there."""
    for decorator in reversed(
        [
            click.option(
                "-f",
                "--file",
                type=click.Path(dir_okay=False),
                help="An aws-auth ConfigMap manifest to edit in place (GitOps).",
            ),
            _options.cluster_name(help="EKS cluster (endpoint and CA from DescribeCluster)."),
            _options.region(),
            _options.profile(),
            _options.role_arn("IAM role to assume for the cluster."),
            _options.assume_role_extras,
            click.option("--kubeconfig", help="kubeconfig file [env: KUBECONFIG]."),
            click.option("--context", help="kubeconfig context (default: the current one)."),
            click.option(
                "--in-cluster", is_flag=True, help="This pod's cluster, as its service account."
            ),
            click.option("--as", "as_user", metavar="USER", help="Impersonate this user."),
            click.option(
                "--as-group",
                "as_groups",
                multiple=True,
                metavar="GROUP",
                help="Impersonate this group; repeatable.",
            ),
        ]
    ):
        f = decorator(f)
    return f


def _edit_options(f: F) -> F:
    for decorator in reversed(
        [
            click.option("--dry-run", is_flag=True, help="Print the diff; write nothing."),
            click.option(
                "--backup-dir",
                type=click.Path(file_okay=False),
                help="Where the previous ConfigMap is saved before a write [env: "
                "EKS_TF_AUTH_BACKUP_DIR; default: ~/.local/state/eks-tf-auth/aws-auth-backups].",
            ),
            click.option(
                "--retry/--no-retry",
                default=True,
                show_default=True,
                help="Retry a write that meets a 409 Conflict (only that).",
            ),
            click.option("--retry-max-count", type=int, default=12, show_default=True),
            click.option(
                "--retry-min-time", default="200ms", show_default=True, callback=_duration
            ),
            click.option("--retry-max-time", default="30s", show_default=True, callback=_duration),
        ]
    ):
        f = decorator(f)
    return f


def _kind_options(f: F) -> F:
    for decorator in reversed(
        [
            click.option("--maproles", is_flag=True, help="A role mapping."),
            click.option("--mapusers", is_flag=True, help="A user mapping."),
            click.option("--rolearn", help="The IAM role ARN (with --maproles)."),
            click.option("--userarn", help="The IAM user ARN (with --mapusers)."),
        ]
    ):
        f = decorator(f)
    return f


@contextmanager
def _target(options: dict[str, Any]) -> Iterator[Any]:
    from eks_tf_auth import aws_auth

    keys = (
        "file",
        "cluster_name",
        "region",
        "profile",
        "role_arn",
        "external_id",
        "session_name",
        "kubeconfig",
        "context",
        "in_cluster",
        "as_user",
        "as_groups",
    )
    with aws_auth.open_target(**{k: options[k] for k in keys}, environ=os.environ) as target:
        yield target


def _kind_and_arn(options: dict[str, Any]) -> tuple[str, str]:
    role, user = options["rolearn"], options["userarn"]
    if options["maproles"] == options["mapusers"]:
        raise InputError(
            "say which map: --maproles or --mapusers (one of them)",
            hint="--maproles with --rolearn, or --mapusers with --userarn",
        )
    kind = "mapRoles" if options["maproles"] else "mapUsers"
    arn = role if kind == "mapRoles" else user
    wrong = user if kind == "mapRoles" else role
    if wrong is not None or arn is None:
        flag = "--rolearn" if kind == "mapRoles" else "--userarn"
        raise InputError(f"--{kind.lower()} takes {flag}", hint=f"pass {flag} ARN")
    return kind, arn


def _groups(values: tuple[str, ...]) -> list[str]:
    """`--groups a --groups b` or `--groups a,b`. An empty name is refused, never dropped: an
    unset variable (`--groups "$GROUPS"`) would otherwise strip a mapping of all its groups."""
    for value in values:
        if not all(g.strip() for g in value.split(",")):
            raise InputError(
                f"--groups {value!r} has an empty group name",
                hint="give each group once: --groups a --groups b, or --groups a,b",
            )
    return [g.strip() for value in values for g in value.split(",")]


def _stdin() -> BinaryIO:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # fd 0 closed: sys.stdin is None
        raise InputError("standard input is closed; -f - reads the manifest from it")
    return stream  # type: ignore[no-any-return]


def _check(edit: Callable[[Any], object]) -> None:
    """Refuse bad input before the target is opened (DescribeCluster, a token): the edit tried
    on empty data raises what it would raise on the real data."""
    from eks_tf_auth.kube.aws_auth import AwsAuth

    edit(AwsAuth({}))


def _retry(options: dict[str, Any]) -> Any:
    from eks_tf_auth.aws_auth import Retry

    return Retry(
        enabled=options["retry"],
        max_count=options["retry_max_count"],
        min_time=options["retry_min_time"],
        max_time=options["retry_max_time"],
    )


def _report(result: Any, target: str, dry_run: bool) -> int:
    change = result.change
    if not result.changed:
        click.echo(f"no change: the aws-auth mappings in {target} already say so", err=True)
        return 0
    if dry_run:
        click.echo(result.diff, nl=False)
        click.echo("dry run: nothing written", err=True)
        return 0
    counts = (
        f"{len(change.added)} added, {len(change.updated)} updated, {len(change.removed)} removed"
    )
    where = f"; the previous ConfigMap is in {result.backup}" if result.backup else ""
    retried = f" after {result.conflicts} conflicting write(s)" if result.conflicts else ""
    click.echo(f"aws-auth in {target}: {counts}{retried}{where}", err=True)
    return 0


@click.group("aws-auth", short_help="Read and edit the aws-auth ConfigMap without losing data.")
def aws_auth_group() -> None:
    """Read and edit the EKS aws-auth ConfigMap, live or in a manifest file, as EKS reads it:
    mapAccounts, other keys, unknown fields and comments are kept; a no-op writes nothing;
    conflicts are retried; every write to a cluster is backed up first.

    Targets: -f FILE, --cluster-name NAME (with the identity flags), --kubeconfig/--context,
    --in-cluster; with none, kubectl's default. Needs the kube extra:
    pip install 'eks-tf-auth[kube]'.
    """


@aws_auth_group.command("get")
@_target_options
@click.option(
    "-o",
    "--output",
    type=click.Choice(("table", "json", "yaml")),
    default="table",
    show_default=True,
)
def get(output: str, **options: Any) -> int:
    """Print the mappings as EKS reads them (never creates the ConfigMap)."""
    from eks_tf_auth import aws_auth

    with _target(options) as target:
        model = aws_auth.get(target)
    if output == "table":
        click.echo(aws_auth.table(model), nl=False)
        return 0
    import json

    doc = aws_auth.document(model)
    if output == "json":
        click.echo(json.dumps(doc, indent=2))
        return 0
    import yaml

    click.echo(yaml.safe_dump(doc, sort_keys=False), nl=False)
    return 0


@aws_auth_group.command("upsert")
@_target_options
@_kind_options
@click.option("--username", required=True, help="The Kubernetes user name.")
@click.option("--groups", multiple=True, help="Kubernetes group(s): repeat or comma-separate.")
@click.option("--append", is_flag=True, help="Add only the groups that are missing.")
@click.option(
    "--update-username",
    type=click.BOOL,
    default=True,
    show_default=True,
    help="Replace an existing mapping's username (false keeps it).",
)
@click.option("--create", is_flag=True, help="Create the ConfigMap when there is none.")
@_edit_options
def upsert(
    username: str,
    groups: tuple[str, ...],
    append: bool,
    update_username: bool,
    create: bool,
    dry_run: bool,
    backup_dir: str | None,
    **options: Any,
) -> int:
    """Add a mapping, or update the one EKS uses for the ARN."""
    from eks_tf_auth import aws_auth

    kind, arn = _kind_and_arn(options)
    retry = _retry(options)
    wanted = _groups(groups)
    _check(lambda m: m.upsert(kind, arn, username=username, groups=wanted))
    with _target(options) as target:
        result = aws_auth.upsert(
            target,
            kind,  # type: ignore[arg-type]
            arn,
            username=username,
            groups=wanted,
            append=append,
            update_username=update_username,
            create=create,
            dry_run=dry_run,
            backup_dir=backup_dir,
            retry=retry,
        )
        return _report(result, target.name, dry_run)


@aws_auth_group.command("remove")
@_target_options
@_kind_options
@click.option("--username", help="Remove only mappings to this username.")
@click.option("--groups", multiple=True, help="Remove only mappings with exactly these groups.")
@click.option("--force", is_flag=True, help="Nothing to remove is not an error.")
@_edit_options
def remove(
    username: str | None,
    groups: tuple[str, ...],
    force: bool,
    dry_run: bool,
    backup_dir: str | None,
    **options: Any,
) -> int:
    """Remove the mappings of an ARN (only full matches of --username/--groups when given)."""
    from eks_tf_auth import aws_auth
    from eks_tf_auth.kube.aws_auth import canonical_arn

    kind, arn = _kind_and_arn(options)
    retry = _retry(options)
    narrowed = _groups(groups) if groups else None
    canonical_arn(arn)  # before the target is opened, as _check does for the others
    with _target(options) as target:
        result = aws_auth.remove(
            target,
            kind,  # type: ignore[arg-type]
            arn,
            username=username,
            groups=narrowed,
            dry_run=dry_run,
            backup_dir=backup_dir,
            retry=retry,
        )
        if not result.changed and not force:
            raise InputError(
                f"no mapping of {arn} to remove in {target.name}",
                hint="pass --force when nothing to remove is fine",
            )
        return _report(result, target.name, dry_run)


@aws_auth_group.command("remove-by-username")
@_target_options
@click.option("--username", required=True, help="Remove every mapping to this username.")
@_edit_options
def remove_by_username(username: str, dry_run: bool, backup_dir: str | None, **options: Any) -> int:
    """Remove every mapping (roles and users) to a username."""
    from eks_tf_auth import aws_auth

    retry = _retry(options)
    _check(lambda m: m.remove_by_username(username))
    with _target(options) as target:
        result = aws_auth.remove_by_username(
            target, username, dry_run=dry_run, backup_dir=backup_dir, retry=retry
        )
        return _report(result, target.name, dry_run)


@aws_auth_group.command("validate")
@_target_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "sarif")),
    default="text",
    show_default=True,
)
def validate(fmt: str, **options: Any) -> int:
    """Report what EKS would silently get wrong (exit 1 when anything is). -f - reads stdin."""
    from eks_tf_auth import aws_auth
    from eks_tf_auth.kube.aws_auth import validate as check

    with _target(options) as target:  # refuses -f with another target, - included
        if options["file"] == "-":
            name = "<stdin>"
            data = aws_auth.read_manifest(_stdin(), name)
        else:
            name = target.name
            found = target.read()
            if found is None:
                raise InputError(f"there is no aws-auth ConfigMap in {name}")
            data = found[0]
    findings = check(data)
    click.echo(aws_auth.findings(findings, fmt, name), nl=False)
    return 1 if aws_auth.failing(findings) else 0
