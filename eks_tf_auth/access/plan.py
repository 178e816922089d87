"""Gathering a plan's inputs: the aws-auth data (live or a manifest), DescribeCluster, IAM GetRole
for role paths, and the cluster's current access entries; for one cluster, or a fleet on a
bounded pool where one failing cluster is reported and the others go on.

The AWS clients are injected (`Clients`, made per cluster by a factory) so that tests hand in
Stubber-wrapped or moto-backed clients.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eks_tf_auth import identity, validate
from eks_tf_auth.access.model import ClusterFacts, Existing, Mode, Plan, Scope
from eks_tf_auth.access.translate import RoleLookup, reconcile, roles_to_look_up, translate
from eks_tf_auth.errors import Error, InputError

if TYPE_CHECKING:
    from mypy_boto3_eks import EKSClient

    from eks_tf_auth.aws.eks import AccessEntry, AssociatedPolicy, Cluster
    from eks_tf_auth.aws.iam import IamClient

MAX_WORKERS = 8
MAX_PLAN_SIZE = 16 * 1024 * 1024


@dataclass(frozen=True)
class Clients:
    eks: EKSClient
    iam: IamClient


@dataclass(frozen=True)
class AwsAuthData:
    source: str  # where it was read, for the report
    data: Mapping[str, str] | None  # None: there is no aws-auth ConfigMap


@dataclass(frozen=True)
class ClusterFailure:
    cluster: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Fleet:
    plans: tuple[Plan, ...]
    failures: tuple[ClusterFailure, ...]


def facts(cluster: Cluster) -> ClusterFacts:
    """What a plan states about the cluster: mode, versions, ARN (for its account)."""
    modes = {m.value: m for m in Mode}
    return ClusterFacts(
        name=cluster.name,
        region=cluster.region,
        arn=cluster.arn,
        kubernetes_version=cluster.version,
        platform_version=cluster.platform_version,
        authentication_mode=modes.get(cluster.authentication_mode or ""),
        described=True,
    )


def gather(name: str, clients: Clients, aws_auth: AwsAuthData, *, region: str) -> Plan:
    """The plan for one cluster: its aws-auth translated, role paths from IAM, and compared with
    the access entries it has (when its mode has the access-entry API)."""
    from eks_tf_auth.aws import eks

    cluster = facts(eks.describe(clients.eks, name, region))
    data = aws_auth.data or {}
    plan = translate(
        data,
        source=aws_auth.source,
        cluster=cluster,
        roles=look_up_roles(clients.iam, data, cluster.account),
    )
    if aws_auth.data is None:
        plan = _with_note(plan, f"there is no aws-auth ConfigMap in {aws_auth.source}")
    if cluster.authentication_mode is None or not cluster.authentication_mode.has_api:
        return plan
    return reconcile(plan, existing_entries(clients.eks, name, plan))


def offline(cluster_name: str | None, aws_auth: AwsAuthData) -> Plan:
    """A plan with no AWS call: roles keep the ARN aws-auth gives; the cluster is only named."""
    plan = translate(
        aws_auth.data or {},
        source=aws_auth.source,
        cluster=None if cluster_name is None else ClusterFacts(validate.cluster_name(cluster_name)),
    )
    return plan if aws_auth.data is not None else _with_note(plan, f"{aws_auth.source} is empty")


def _with_note(plan: Plan, note: str) -> Plan:
    from dataclasses import replace

    return replace(plan, notes=(*plan.notes, note))


def look_up_roles(
    iam: IamClient, data: Mapping[str, str], account: str | None
) -> dict[str, RoleLookup]:
    """GetRole for each role aws-auth maps in the cluster's account (IAM answers for the caller's
    account only; a role elsewhere keeps the ARN aws-auth gives)."""
    from eks_tf_auth.aws.iam import get_role

    found: dict[str, RoleLookup] = {}
    for arn in roles_to_look_up(data):
        owner = arn.split(":")[4]
        if account is not None and owner != account:
            found[arn] = RoleLookup(
                None, checked=False, reason=f"a role of account {owner}, not the cluster's"
            )
            continue
        role = get_role(iam, arn.rsplit("/", 1)[-1])
        if role is not None and role.arn.split(":")[4] != owner:
            found[arn] = RoleLookup(
                None, checked=False, reason=f"IAM answered for account {role.arn.split(':')[4]}"
            )
        else:
            found[arn] = RoleLookup(None if role is None else role.arn)
    return found


def existing_entries(eks_client: EKSClient, cluster: str, plan: Plan) -> dict[str, Existing]:
    """The cluster's access entries for the plan's principals, with their policies."""
    from eks_tf_auth.aws import eks

    if not plan.entries:
        return {}
    listed = {arn.lower(): arn for arn in eks.list_access_entries(eks_client, cluster)}
    found: dict[str, Existing] = {}
    for entry in plan.entries:
        arn = listed.get(entry.principal_arn.lower())
        if arn is None:
            continue
        current = eks.describe_access_entry(eks_client, cluster, arn)
        if current is None:  # deleted since it was listed
            continue
        policies = eks.list_associated_access_policies(eks_client, cluster, arn)
        found[arn.lower()] = existing(current, policies)
    return found


def existing(current: AccessEntry, policies: Sequence[AssociatedPolicy]) -> Existing:
    """An access entry and its associations, as the plan compares them."""
    return Existing(
        principal_arn=current.principal_arn,
        type=current.type,
        username=current.username,
        groups=current.kubernetes_groups,
        policies=tuple(
            (p.policy_arn, Scope("namespace", p.namespaces) if p.scope == "namespace" else Scope())
            for p in policies
        ),
    )


def fleet(
    names: Sequence[str],
    plan_one: Callable[[str], Plan],
    *,
    workers: int = MAX_WORKERS,
    progress: Callable[[int, int, str], None] | None = None,
) -> Fleet:
    """`plan_one` for every cluster on a pool of at most `workers` threads, in the given order;
    a cluster whose plan fails with an `Error` is reported and the others go on.
    `progress(done, total, cluster)` after each cluster."""
    results: dict[str, Plan | ClusterFailure] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(names)))) as pool:
        futures = {pool.submit(plan_one, name): name for name in names}
        for done, future in enumerate(as_completed(futures), 1):
            name = futures[future]
            try:
                results[name] = future.result()
            except Error as e:
                results[name] = ClusterFailure(name, e.message, e.hint)
            if progress is not None:
                progress(done, len(names), name)
    ordered = [results[name] for name in names]
    return Fleet(
        plans=tuple(r for r in ordered if isinstance(r, Plan)),
        failures=tuple(r for r in ordered if isinstance(r, ClusterFailure)),
    )


def client_factory(
    who: identity.ClusterRequest, environ: Mapping[str, str]
) -> tuple[str, Callable[[], Clients]]:
    """The region, and a factory of EKS + IAM clients with the request's credentials (its role
    assumed once). botocore sessions do not create clients safely from several threads, so the
    factory holds a lock."""
    from eks_tf_auth.aws import eks, iam

    resolved = identity.resolve(who, environ)
    creds = identity.credentials(resolved, environ)
    lock = threading.Lock()

    def make() -> Clients:
        with lock:
            return Clients(
                eks.client(who.profile, creds, region=resolved.region, environ=environ),
                iam.client(who.profile, creds, region=resolved.region, environ=environ),
            )

    return resolved.region, make


def read_aws_auth(
    *,
    file: str | None = None,
    cluster: identity.ClusterRequest | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    environ: Mapping[str, str],
) -> AwsAuthData:
    """The aws-auth data from a manifest file, a kubeconfig context, or the cluster by name."""
    from eks_tf_auth import aws_auth

    who = cluster or identity.ClusterRequest()
    with aws_auth.open_target(
        file=file,
        cluster_name=who.cluster_name,
        region=who.region,
        profile=who.profile,
        role_arn=who.role_arn,
        external_id=who.external_id,
        session_name=who.session_name,
        kubeconfig=kubeconfig,
        context=context,
        environ=environ,
    ) as target:
        found = target.read()
    where = target.name if file is not None else f"kube-system/aws-auth in {target.name}"
    return AwsAuthData(where, None if found is None else found[0])


def read_plans(path: str) -> list[Plan]:
    """The plans saved with `plan --output json`: one cluster's, or a fleet's (`clusters`);
    every value checked."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_PLAN_SIZE + 1)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or type(e).__name__}") from e
    if len(raw) > MAX_PLAN_SIZE:
        raise InputError(f"{path} is over {MAX_PLAN_SIZE // (1024 * 1024)} MiB: not a plan")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError(f"{path} is not UTF-8 text") from e
    except json.JSONDecodeError as e:
        raise InputError(
            f"{path} is not JSON: line {e.lineno}, column {e.colno}: {e.msg}",
            hint="write it with 'eks-tf-auth access-entries plan --output json'",
        ) from e
    except RecursionError as e:
        raise InputError(f"{path} is nested too deeply to be a plan") from e
    name = os.path.basename(path) or path
    if isinstance(data, dict) and set(data) == {"clusters", "failures"}:
        clusters = data["clusters"]
        if not isinstance(clusters, list):
            raise InputError(f"{name}: clusters: not a list")
        return [Plan.from_json(p, name=f"{name}: clusters[{n}]") for n, p in enumerate(clusters)]
    return [Plan.from_json(data, name=name)]
