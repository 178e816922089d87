"""Logs: whether the cluster sends authenticator logs to CloudWatch, the only place EKS says why
it refused a token; with --logs, the last "access denied" lines for this principal (the last
hour).
"""

from __future__ import annotations

from eks_tf_auth.doctor.facts import Facts, Failed, got
from eks_tf_auth.doctor.model import Check, Result, Results, passed, warned


def check(facts: Facts, results: Results) -> Result:
    found, resolved = got(facts.cluster), got(facts.resolved)
    assert found is not None and resolved is not None
    name, region = found.cluster.name, resolved.region
    group = f"/aws/eks/{name}/cluster"
    if not found.access.authenticator_logs:
        return warned(
            "authenticator logs are off: why EKS refuses a token is written nowhere",
            f"aws eks update-cluster-config --name {name} --region {region} --logging "
            '\'{"clusterLogging":[{"types":["authenticator"],"enabled":true}]}\'',
        )
    lines = facts.logs
    if lines is None:
        return passed(f"authenticator logs go to {group}; --logs reads this principal's denials")
    if isinstance(lines, Failed):
        return warned(
            f"authenticator logs are on, but cannot be read: {lines.message}",
            lines.hint or "grant logs:FilterLogEvents on the log group",
            log_group=group,
        )
    if not lines:
        return passed(f"no 'access denied' for this principal in {group} in the last hour")
    latest = lines[-1]
    return warned(
        f"{len(lines)} 'access denied' line(s) in the last hour; the latest, at "
        f"{latest.at:%H:%M:%SZ}: {latest.message}",
        "the line's error says why (e.g. 'ARN is not mapped': see the mapping check)",
        log_group=group,
        lines=tuple(f"{line.at:%Y-%m-%dT%H:%M:%SZ} {line.message}" for line in lines),
    )


CHECK = Check("logs", "Authenticator logs", check, ("cluster",), __doc__ or "")
