"""`render kubeconfig`: an exec user per cluster (and per role), with each cluster's endpoint and
CA from DescribeCluster (or given), for printing or for a merge into an existing kubeconfig.

Entries are named by the cluster's ARN when EKS describes it (as the AWS CLI names them, so a
merge replaces what the AWS CLI wrote), else by the cluster name. An exec user that assumes a role
gets a user and a context of its own, named `<cluster>-<role name>` (or by the `alias` template),
so users for several roles of one cluster, rendered together or one after another, never replace
each other. DescribeCluster runs with the caller's own credentials (`describe_profile`, else the
exec user's profile), never with the exec user's roles.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from eks_tf_auth import identity, validate
from eks_tf_auth.errors import InputError
from eks_tf_auth.exec import argv
from eks_tf_auth.exec.protocol import API_V1, check_api_version
from eks_tf_auth.render.env import render
from eks_tf_auth.validate import quoted

MAX_WORKERS = 8
ROLE_CONTEXT = "{cluster}-{role}"  # a role's context and user, unless an alias template is given
TEMPLATE_FIELDS = ("cluster", "role", "account", "region")
NAME = re.compile(r"[A-Za-z0-9._:/@+=,-]{1,253}", re.ASCII)  # a context or user name we write


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    endpoint: str
    ca_data: str
    arn: str | None = None


@dataclass(frozen=True)
class KubeconfigRequest:
    """Several clusters of one region, each reached as `who` (its cluster name left out), or as
    each of `role_arns` (which replace `who.role_arn`)."""

    cluster_names: Sequence[str]
    who: identity.ClusterRequest  # the region is resolved
    # Context names: False by ARN, True by cluster name, a str a template of TEMPLATE_FIELDS.
    # With a role, ROLE_CONTEXT unless a template is given.
    alias: bool | str = False
    api_version: str = API_V1
    command: str = argv.DEFAULT_COMMAND
    role_arns: Sequence[str] = ()

    @property
    def region(self) -> str:
        assert self.who.region is not None  # resolved by `lookup`
        return self.who.region

    def __post_init__(self) -> None:
        if not self.cluster_names:
            raise InputError("no cluster given", hint="pass --cluster-name (repeat it for several)")
        for name in self.cluster_names:
            validate.cluster_name(name)
        if len(set(self.cluster_names)) != len(self.cluster_names):
            raise InputError("a cluster is named twice", hint="give each --cluster-name once")
        if self.who.profile is not None:
            validate.profile(self.who.profile)
        validate.command(self.command)
        check_api_version(self.api_version)
        if len(set(self.role_arns)) != len(self.role_arns):
            raise InputError("a role is named twice", hint="give each --role-arn once")
        if isinstance(self.alias, str):
            _check_template(self.alias)
        for role in self.role_arns:
            replace(self.who, role_arn=role)  # checks the ARN, and that it suits the request

    @property
    def identities(self) -> list[identity.ClusterRequest]:
        """Who each exec user is: one per role, or `who` alone."""
        return [replace(self.who, role_arn=role) for role in self.role_arns] or [self.who]


def describe_all(
    describe: Callable[[str], Cluster],
    names: Sequence[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[Cluster]:
    """Describe the clusters concurrently, in the given order; `progress(done, total)`."""
    done = 0
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(names))) as pool:
        futures = [pool.submit(describe, name) for name in names]
        results = []
        for future in futures:
            results.append(future.result())
            done += 1
            if progress is not None:
                progress(done, len(names))
    return results


def render_kubeconfig(clusters: Sequence[Cluster], req: KubeconfigRequest) -> str:
    entries, contexts, users = [], [], []
    for c in clusters:
        entry = c.arn or c.name
        entries.append(
            {
                "name": c.name,
                "region": c.region,
                "endpoint": validate.endpoint(c.endpoint),
                "ca_data": validate.ca_data(c.ca_data),
                "entry": entry,
            }
        )
        for who in req.identities:
            name = context_name(c, who.role_arn, req.alias)
            user = entry if who.role_arn is None else name
            contexts.append({"name": name, "cluster": entry, "user": user})
            who = replace(who, cluster_name=c.name)
            args = argv.build(req.command, who, c.region, with_cluster=False)
            users.append({"name": user, "args": args})
    names = [c["name"] for c in contexts]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"two contexts would be named {quoted(twice[0])}",
            hint="give --alias a template that tells them apart, e.g. "
            "'{cluster}-{account}-{role}' or '{region}-{cluster}'",
        )
    env = [{"name": k, "value": v} for k, v in argv.env(req.who.profile).items()]
    return render(
        "kubeconfig.yaml.j2",
        clusters=entries,
        contexts=contexts,
        users=users,
        api_version=req.api_version,
        command=req.command,
        env=env,
        current_context=contexts[0]["name"],
    )


def context_name(cluster: Cluster, role_arn: str | None, alias: bool | str) -> str:
    """The context (and, with a role, the user) name for `cluster` reached as `role_arn`."""
    if isinstance(alias, str):
        template = alias
    elif role_arn is not None:
        template = ROLE_CONTEXT
    else:
        return cluster.name if alias else cluster.arn or cluster.name
    role, account = ("", "") if role_arn is None else _role_parts(role_arn)
    name = template.format(cluster=cluster.name, role=role, account=account, region=cluster.region)
    if not NAME.fullmatch(name):
        raise InputError(
            f"--alias {quoted(template)} names a context {quoted(name)}",
            hint="1-253 letters, digits or any of . _ : / @ + = , -",
        )
    return name


def _role_parts(role_arn: str) -> tuple[str, str]:
    """A role ARN's name (its path left out) and account."""
    return role_arn.rsplit("/", 1)[1], role_arn.split(":")[4]


def _check_template(template: str) -> None:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as e:
        raise InputError(
            f"invalid --alias template {quoted(template)}: {e}",
            hint="write {cluster}, {role}, {account} or {region}; double a literal brace",
        ) from e
    for _, field, spec, conversion in parts:
        if field is not None and (field not in TEMPLATE_FIELDS or spec or conversion):
            raise InputError(
                f"--alias template {quoted(template)}: unknown field {quoted(field)}",
                hint="its fields are {cluster}, {role}, {account} and {region}",
            )


def lookup(
    cluster_names: Sequence[str],
    who: identity.ClusterRequest,
    *,
    alias: bool | str,
    api_version: str,
    command: str,
    endpoint: str | None,
    ca_data: str | None,
    environ: Mapping[str, str],
    role_arns: Sequence[str] = (),
    describe_profile: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[KubeconfigRequest, list[Cluster]]:
    """The request, and each cluster's endpoint and CA: from --endpoint/--ca-data, else from
    DescribeCluster with the caller's own credentials: `describe_profile`'s, else the profile's
    (the roles are for the exec users only). Without --region, the region is the describing
    profile's."""
    offline = endpoint is not None or ca_data is not None
    if offline and describe_profile is not None:
        raise InputError(
            "--describe-profile is for DescribeCluster, which --endpoint and --ca-data replace",
            hint="leave one of them out",
        )
    # With --endpoint/--ca-data and --region, the profile is only named in the output: it need
    # not exist here, and the config files are not read.
    describer = identity.ClusterRequest(region=who.region, profile=describe_profile or who.profile)
    region = identity.region(describer, environ)
    req = KubeconfigRequest(
        tuple(cluster_names),
        replace(who, region=region),
        alias=alias,
        api_version=api_version,
        command=command,
        role_arns=tuple(role_arns),
    )
    if offline:
        if not (endpoint and ca_data) or len(cluster_names) != 1:
            raise InputError(
                "--endpoint and --ca-data go together, for one cluster",
                hint="leave both out to look the clusters up with DescribeCluster",
            )
        return req, [Cluster(cluster_names[0], req.region, endpoint, ca_data)]
    describer = replace(describer, region=region)
    return req, describe_all(_describer(describer, environ), cluster_names, progress=progress)


def _describer(
    who: identity.ClusterRequest, environ: Mapping[str, str]
) -> Callable[[str], Cluster]:
    from eks_tf_auth.aws.eks import describe_cluster

    resolved = identity.resolve(who, environ)
    creds = identity.credentials(resolved, environ, assume=False)
    region = resolved.region

    def describe(name: str) -> Cluster:
        found = describe_cluster(who.profile, creds, name=name, region=region, environ=environ)
        return Cluster(
            found.name, region, found.endpoint, found.certificate_authority_data, found.arn
        )

    return describe
