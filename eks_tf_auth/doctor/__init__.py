"""`eks-tf-auth doctor`: why EKS answers "You must be logged in to the server (Unauthorized)",
found from the user's side, step by step, with what to change.

`facts.gather` does all the I/O once (credentials, STS, IAM, EKS, CloudWatch Logs, kubeconfig,
kuberc, the exec plugin, the API server); the checks in `checks/` are pure functions of those
facts, run in order, a check skipped when one it needs failed; `formats` prints the `Report` as
text or as the JSON the README documents. The core never prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eks_tf_auth.doctor.facts import Clients, Clock, Facts, Inputs, gather, got
from eks_tf_auth.doctor.model import Check, Outcome, Report, Result, Status, skipped
from eks_tf_auth.token import utcnow

__all__ = ["Inputs", "Report", "Status", "diagnose", "run"]


def run(facts: Facts, checks: Sequence[Check] | None = None) -> Report:
    """Run the checks on the facts, in order."""
    from eks_tf_auth.doctor.checks import CHECKS

    results: dict[str, Result] = {}
    outcomes = []
    for check in CHECKS if checks is None else checks:
        result = _blocked(check, results) or check.run(facts, results)
        results[check.id] = result
        outcomes.append(Outcome(check, result))
    resolved = got(facts.resolved)
    request = resolved.request if resolved else got(facts.request)
    return Report(
        cluster=request.token_cluster
        if request and (request.cluster_name or request.cluster_id)
        else None,
        region=resolved.region if resolved else None,
        outcomes=tuple(outcomes),
    )


def _blocked(check: Check, results: Mapping[str, Result]) -> Result | None:
    for needed in check.needs:
        status = results[needed].status
        if status is Status.FAIL:
            return skipped(f"needs {needed}, which failed")
        if status is Status.SKIP:
            return skipped(f"needs {needed}, which was skipped")
    return None


def diagnose(
    inputs: Inputs,
    environ: Mapping[str, str],
    *,
    clients: Clients | None = None,
    now: Clock = utcnow,
) -> Report:
    """Gather the facts and run every check."""
    return run(gather(inputs, environ, clients=clients, now=now))
