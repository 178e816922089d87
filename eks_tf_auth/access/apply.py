"""Apply a plan: create the access entries and associate the policies that are not there yet.

Idempotent and conservative: the cluster's current entries are read first, so a second run
makes no change; an entry that exists is compared with the plan and, where it differs, reported
and left as it is (an entry is never deleted, and its type never changed). A cluster without the
access-entry API (CONFIG_MAP mode) is refused before anything is created.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from eks_tf_auth.access.model import EntryPlan, Plan, Status, Unmigrated
from eks_tf_auth.access.plan import Clients, existing, facts
from eks_tf_auth.access.translate import entry_difference, policy_state
from eks_tf_auth.errors import Error, InputError


class Action(str, enum.Enum):
    CREATED = "created"
    EXISTED = "existed"
    CONFLICT = "conflict"  # exists, differs: left unchanged
    ASSOCIATED = "associated"
    POLICY_EXISTED = "policy existed"
    POLICY_CONFLICT = "policy conflict"  # associated with another scope: left unchanged
    WOULD_CREATE = "would create"
    WOULD_ASSOCIATE = "would associate"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    principal_arn: str
    action: Action
    detail: str = ""


@dataclass(frozen=True)
class ApplyResult:
    cluster: str
    outcomes: tuple[Outcome, ...]
    not_migrated: tuple[Unmigrated, ...]
    skipped: tuple[Unmigrated, ...]
    dry_run: bool

    def count(self, *actions: Action) -> int:
        return sum(1 for o in self.outcomes if o.action in actions)

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing conflicts."""
        return not self.count(Action.FAILED, Action.CONFLICT, Action.POLICY_CONFLICT)


def apply(plan: Plan, clients: Clients, *, dry_run: bool = False) -> ApplyResult:
    from eks_tf_auth.aws import eks

    cluster = plan.cluster
    if cluster is None or not cluster.described or cluster.region is None:
        raise InputError(
            "the plan was made without describing a cluster; nothing created",
            hint="plan against the cluster (--cluster-name, without --offline), then apply",
        )
    live = facts(eks.describe(clients.eks, cluster.name, cluster.region))
    mode = live.authentication_mode
    if mode is None or not mode.has_api:
        raise Error(
            f"cluster {cluster.name!r} is in {mode.value if mode else 'CONFIG_MAP'} mode, which "
            "has no access entries; nothing created",
            hint=f"switch it first: eks-tf-auth access-entries set-mode API_AND_CONFIG_MAP "
            f"--cluster-name {cluster.name}",
        )
    offered = {p.arn for p in eks.list_access_policies(clients.eks)}
    for entry in plan.entries:
        for policy in entry.policies:
            if policy.arn not in offered:
                raise InputError(
                    f"EKS has no access policy {policy.arn}; nothing created",
                    hint="'aws eks list-access-policies' lists the policies EKS has",
                )
    listed = {arn.lower(): arn for arn in eks.list_access_entries(clients.eks, cluster.name)}
    outcomes: list[Outcome] = []
    for entry in plan.entries:
        outcomes.extend(_outcomes(entry, clients, cluster.name, listed, dry_run=dry_run))
    return ApplyResult(cluster.name, tuple(outcomes), plan.blocked, plan.skipped, dry_run)


def _outcomes(
    entry: EntryPlan, clients: Clients, cluster: str, listed: dict[str, str], *, dry_run: bool
) -> list[Outcome]:
    """The steps for one entry; one that fails ends it (the steps before it are kept), and the
    next entry is tried."""
    done: list[Outcome] = []
    try:
        done.extend(_apply_entry(entry, clients, cluster, listed, dry_run=dry_run))
    except Error as e:
        done.append(Outcome(entry.principal_arn, Action.FAILED, e.message))
    return done


def _apply_entry(
    entry: EntryPlan, clients: Clients, cluster: str, listed: dict[str, str], *, dry_run: bool
) -> Iterator[Outcome]:
    from eks_tf_auth.aws import eks

    arn = entry.principal_arn
    known = listed.get(arn.lower())
    current = None if known is None else eks.describe_access_entry(clients.eks, cluster, known)
    if current is None and dry_run:
        yield Outcome(arn, Action.WOULD_CREATE, entry.type.value)
        for policy in entry.policies:
            yield Outcome(arn, Action.WOULD_ASSOCIATE, f"{policy.name} ({policy.scope})")
        return
    if current is None:
        created = eks.create_access_entry(
            clients.eks,
            cluster,
            arn,
            type=entry.type.value,
            username=entry.username,
            kubernetes_groups=entry.groups,
        )
        if created is None:  # created by someone else since the list was read
            current = eks.describe_access_entry(clients.eks, cluster, arn)
            if current is None:
                raise Error(f"{arn}: EKS says its entry exists, and then that it does not")
        else:
            yield Outcome(arn, Action.CREATED, entry.type.value)
            state = existing(created, ())
    if current is not None:
        difference = entry_difference(entry, existing(current, ()))
        if difference:
            yield Outcome(arn, Action.CONFLICT, difference)
            return
        yield Outcome(arn, Action.EXISTED, entry.type.value)
        arn = current.principal_arn
        state = existing(current, eks.list_associated_access_policies(clients.eks, cluster, arn))
    for policy in entry.policies:
        found = policy_state(policy, state)
        if found.status is Status.EXISTS:
            yield Outcome(arn, Action.POLICY_EXISTED, f"{policy.name} ({policy.scope})")
        elif found.status is Status.CONFLICT:
            yield Outcome(arn, Action.POLICY_CONFLICT, f"{policy.name}: {found.detail}")
        elif dry_run:
            yield Outcome(arn, Action.WOULD_ASSOCIATE, f"{policy.name} ({policy.scope})")
        else:
            eks.associate_access_policy(
                clients.eks,
                cluster,
                arn,
                policy_arn=policy.arn,
                scope=policy.scope.type,
                namespaces=policy.scope.namespaces,
            )
            yield Outcome(arn, Action.ASSOCIATED, f"{policy.name} ({policy.scope})")
