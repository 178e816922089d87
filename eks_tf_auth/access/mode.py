"""set-mode: switch a cluster's authentication mode to API_AND_CONFIG_MAP or API with
UpdateClusterConfig, and follow the update with DescribeUpdate until it is Successful or Failed.

The switch is one-way (EKS cannot go back to a mode without the access-entry API, nor from API
to API_AND_CONFIG_MAP). API stops EKS reading aws-auth, so it is refused while the plan still has
mappings that no access entry stands for, unless forced.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from eks_tf_auth.access.model import Mode, Plan
from eks_tf_auth.access.plan import Clients, facts
from eks_tf_auth.errors import AwsError, Error, InputError

POLL_INTERVAL = 15.0  # seconds between DescribeUpdate calls
TIMEOUT = 30 * 60.0  # an authentication-mode update takes minutes
ONE_WAY = (
    "changing the authentication mode is one-way: EKS cannot switch a cluster back to a mode "
    "without access entries, nor from API back to API_AND_CONFIG_MAP"
)


@dataclass(frozen=True)
class ModeChange:
    cluster: str
    before: Mode | None
    after: Mode
    update_id: str | None  # None: the cluster was in that mode already
    seconds: float = 0.0


def set_mode(
    clients: Clients,
    cluster: str,
    region: str,
    target: Mode,
    *,
    plan: Callable[[], Plan] | None = None,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    interval: float = POLL_INTERVAL,
    timeout: float = TIMEOUT,
    progress: Callable[[str, float], None] | None = None,
) -> ModeChange:
    """Switch `cluster` to `target` and wait for the update. `plan()` gives the migration plan
    that a switch to API is checked against; `progress(status, seconds)` after each poll."""
    from eks_tf_auth.aws import eks

    if not target.has_api:
        raise InputError(f"{target.value} cannot be set: {ONE_WAY}")
    current = facts(eks.describe(clients.eks, cluster, region))
    before = current.authentication_mode
    if before is target:
        return ModeChange(cluster, before, target, None)
    if before is Mode.API:
        raise Error(f"cluster {cluster!r} is in API mode already: {ONE_WAY}")
    if current.supports_access_entries is False:
        raise Error(
            f"cluster {cluster!r} (Kubernetes {current.kubernetes_version}, platform "
            f"{current.platform_version}) has no access entries",
            hint="update the cluster to a platform version that has them (EKS User Guide, "
            "'Change authentication mode to use access entries')",
        )
    if target is Mode.API and not force:
        blockers = plan().api_blockers() if plan is not None else ["no plan to check against"]
        if blockers:
            raise Error(
                f"refusing to switch cluster {cluster!r} to API: {len(blockers)} mapping(s) "
                f"would lose access, the first: {blockers[0]}",
                hint="apply the plan (access-entries apply) and resolve what cannot migrate "
                "(access-entries plan), or pass --force",
            )
    started = clock()
    update = eks.update_authentication_mode(clients.eks, cluster, target.value)
    while update.status == "InProgress":
        if clock() - started > timeout:
            raise AwsError(
                f"the update {update.id} of cluster {cluster!r} to {target.value} is still in "
                f"progress after {timeout:g} s",
                hint=f"follow it: aws eks describe-update --name {cluster} --update-id {update.id}",
            )
        sleep(interval)
        update = eks.describe_update(clients.eks, cluster, update.id)
        if progress is not None:
            progress(update.status, clock() - started)
    if update.status != "Successful":
        reasons = "; ".join(update.errors) or "EKS gives no reason"
        raise AwsError(
            f"the update {update.id} of cluster {cluster!r} to {target.value} ended "
            f"{update.status}: {reasons}",
            hint=f"aws eks describe-update --name {cluster} --update-id {update.id}",
        )
    return ModeChange(cluster, before, target, update.id, clock() - started)
