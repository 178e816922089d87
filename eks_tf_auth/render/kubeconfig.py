"""`render kubeconfig`: one exec user per cluster, with each cluster's endpoint and CA from
DescribeCluster (or given), for printing or for a merge into an existing kubeconfig.

Entries are named by the cluster's ARN when EKS describes it (as the AWS CLI names them, so a
merge replaces what the AWS CLI wrote), else by the cluster name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from eks_tf_auth import identity, validate
from eks_tf_auth.errors import InputError
from eks_tf_auth.exec import argv
from eks_tf_auth.exec.protocol import API_V1, check_api_version
from eks_tf_auth.render.env import render

MAX_WORKERS = 8


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    endpoint: str
    ca_data: str
    arn: str | None = None


@dataclass(frozen=True)
class KubeconfigRequest:
    """Several clusters of one region, each reached as `who` (its cluster name left out)."""

    cluster_names: Sequence[str]
    who: identity.ClusterRequest  # the region is resolved
    alias: bool = False  # name contexts by cluster name rather than ARN
    api_version: str = API_V1
    command: str = argv.DEFAULT_COMMAND

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
    entries = []
    for c in clusters:
        who = replace(req.who, cluster_name=c.name)
        entry = c.arn or c.name
        entries.append(
            {
                "name": c.name,
                "region": c.region,
                "endpoint": validate.endpoint(c.endpoint),
                "ca_data": validate.ca_data(c.ca_data),
                "entry": entry,
                "context": c.name if req.alias else entry,
                "args": argv.build(req.command, who, c.region, with_cluster=False),
            }
        )
    env = [{"name": k, "value": v} for k, v in argv.env(req.who.profile).items()]
    return render(
        "kubeconfig.yaml.j2",
        clusters=entries,
        api_version=req.api_version,
        command=req.command,
        env=env,
        current_context=entries[0]["context"],
    )


def lookup(
    cluster_names: Sequence[str],
    who: identity.ClusterRequest,
    *,
    alias: bool,
    api_version: str,
    command: str,
    endpoint: str | None,
    ca_data: str | None,
    environ: Mapping[str, str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[KubeconfigRequest, list[Cluster]]:
    """The request, and each cluster's endpoint and CA: from --endpoint/--ca-data, else from
    DescribeCluster with the caller's own credentials (the role is for the exec user only)."""
    offline = endpoint is not None or ca_data is not None
    # With --endpoint/--ca-data and --region, the profile is only named in the output: it need
    # not exist here, and the config files are not read.
    who = replace(who, region=identity.region(who, environ))
    req = KubeconfigRequest(
        tuple(cluster_names), who, alias=alias, api_version=api_version, command=command
    )
    if offline:
        if not (endpoint and ca_data) or len(cluster_names) != 1:
            raise InputError(
                "--endpoint and --ca-data go together, for one cluster",
                hint="leave both out to look the clusters up with DescribeCluster",
            )
        return req, [Cluster(cluster_names[0], req.region, endpoint, ca_data)]
    return req, describe_all(_describer(req, environ), cluster_names, progress=progress)


def _describer(req: KubeconfigRequest, environ: Mapping[str, str]) -> Callable[[str], Cluster]:
    from eks_tf_auth.aws.eks import describe_cluster

    resolved = identity.resolve(req.who, environ)
    creds = identity.credentials(resolved, environ, assume=False)

    def describe(name: str) -> Cluster:
        found = describe_cluster(
            req.who.profile, creds, name=name, region=req.region, environ=environ
        )
        return Cluster(
            found.name, req.region, found.endpoint, found.certificate_authority_data, found.arn
        )

    return describe
