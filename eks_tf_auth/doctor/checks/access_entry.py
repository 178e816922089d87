"""Access entry: for the API and API_AND_CONFIG_MAP modes, the caller's access entry (its
principal named with the role's path), its username, groups, access policies and their scopes.
An entry with no group and no policy authenticates but allows nothing (403, not 401); an entry
older than its role names a role that was deleted and created again, which EKS no longer maps.
"""

from __future__ import annotations

from eks_tf_auth.doctor import mappings
from eks_tf_auth.doctor.facts import Facts, Failed, got
from eks_tf_auth.doctor.model import (
    Check,
    Evidence,
    Result,
    Results,
    failed,
    passed,
    skipped,
    warned,
)

VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"


def check(facts: Facts, results: Results) -> Result:
    mode = mappings.mode(facts)
    cluster, resolved = got(facts.cluster), got(facts.resolved)
    assert cluster is not None and resolved is not None
    name, region = cluster.cluster.name, resolved.region
    if mode not in mappings.READS_ENTRIES:
        return skipped(f"authentication mode {mode} reads no access entries")
    lookup = facts.access_entry
    if isinstance(lookup, Failed):
        return warned(
            f"cannot read the access entries: {lookup.message}",
            lookup.hint
            or "grant eks:DescribeAccessEntry and eks:ListAssociatedAccessPolicies, or ask an "
            "admin to run this",
            code=lookup.code,
        )
    found = got(lookup)
    assert found is not None
    principal = found.principal_arn
    entry = found.entry
    if entry is None:
        create = (
            f"aws eks create-access-entry --cluster-name {name} --region {region} "
            f"--principal-arn {principal}"
        )
        if mode == mappings.API:
            return failed(f"no access entry for {principal}", create, principal_arn=principal)
        return skipped(
            f"no access entry for {principal}; mode {mode} reads aws-auth too",
            principal_arn=principal,
        )
    policies = tuple(
        p.policy_arn.rsplit("/", 1)[-1]
        + (f" ({', '.join(p.namespaces)})" if p.scope == "namespace" else " (cluster)")
        for p in found.policies
    )
    evidence: dict[str, Evidence] = {
        "principal_arn": principal,
        "type": entry.type,
        "username": entry.username,
        "groups": entry.kubernetes_groups,
        "policies": policies,
        "created": found.created.strftime("%Y-%m-%dT%H:%M:%SZ") if found.created else None,
    }
    role = got(facts.role)
    if role is not None and found.created is not None and role.created > found.created:
        return failed(
            f"role {role.name} was created at {role.created:%Y-%m-%dT%H:%M:%SZ}, after its access "
            f"entry ({evidence['created']}): the entry names the deleted role, not this one",
            f"aws eks delete-access-entry --cluster-name {name} --region {region} --principal-arn "
            f"{principal}, then create it again",
            **evidence,
        )
    if entry.type != "STANDARD":
        return warned(
            f"the access entry of {principal} is of type {entry.type}: node permissions, not a "
            "user's",
            "give users and CI roles a STANDARD entry",
            **evidence,
        )
    if not entry.kubernetes_groups and not found.policies:
        return warned(
            f"the access entry of {principal} has no Kubernetes group and no access policy: EKS "
            "authenticates it and authorizes nothing (403 Forbidden, not 401)",
            f"aws eks associate-access-policy --cluster-name {name} --region {region} "
            f"--principal-arn {principal} --policy-arn {VIEW_POLICY} --access-scope type=cluster",
            **evidence,
        )
    groups = ", ".join(entry.kubernetes_groups) or "none"
    return passed(
        f"{principal}: username {entry.username or '(default)'}, groups {groups}, policies "
        f"{', '.join(policies) or 'none'}",
        **evidence,
    )


CHECK = Check("access-entry", "Access entry", check, ("identity", "cluster"), __doc__ or "")
