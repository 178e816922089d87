"""aws-auth: the kube-system/aws-auth entry EKS maps the caller to, found by the authenticator's
own matching (`kube.aws_auth`: assumed-role to role, no paths, case-insensitive, the last
duplicate, mapRoles before mapUsers, then mapAccounts), with `validate`'s findings for it: an
entry meant for the caller that never matches, a key EKS cannot read, an entry without groups.
Read from the cluster with the caller's own token, or from --aws-auth FILE (what an admin reads
when the caller cannot).
"""

from __future__ import annotations

from eks_tf_auth.doctor import mappings
from eks_tf_auth.doctor.facts import Facts, Failed, got
from eks_tf_auth.doctor.mappings import Found
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


def check(facts: Facts, results: Results) -> Result:
    mode = mappings.mode(facts)
    read = facts.aws_auth
    principal, wanted = mappings.canonical(facts)
    cluster = got(facts.cluster)
    assert cluster is not None and wanted is not None and principal is not None
    name = cluster.cluster.name
    if read is None:
        return skipped("not read: the API server was not reached (give --aws-auth FILE)")
    if isinstance(read, Failed):
        if mode == mappings.API:
            return skipped(
                f"mode API does not read aws-auth (and it cannot be read: {read.message})"
            )
        return warned(
            f"cannot read aws-auth as this identity: {read.message}",
            "have an admin save it (kubectl get configmap aws-auth -n kube-system -o yaml > "
            "aws-auth.yaml) and run again with --aws-auth aws-auth.yaml",
        )
    assert read.source is not None
    match = mappings.in_aws_auth(facts)
    where = "aws-auth" if read.source == "cluster" else f"aws-auth ({read.source})"
    evidence: dict[str, Evidence] = {"source": read.source, "findings": match.findings}
    if read.data is None:
        return skipped(f"there is no kube-system/aws-auth ConfigMap in {name}", **evidence)
    entry = match.entry
    if entry is not None:
        evidence.update(
            kind=entry.kind,
            line=entry.line,
            username=entry.username,
            groups=entry.groups,
        )
        said = f"{entry.kind} line {entry.line} maps {wanted} to {entry.username or '?'}"
        if mode == mappings.API:
            return warned(
                f"{said}, but mode API does not read aws-auth",
                "see the mapping check",
                **evidence,
            )
        if mappings.in_access_entries(facts) is Found.YES:
            return warned(
                f"{said}, but the access entry of {principal} shadows it: EKS uses the access "
                "entry's username, groups and policies",
                "remove the aws-auth entry, or give the access entry what it grants",
                **evidence,
            )
        if not entry.groups:
            return warned(
                f"{said} with no groups: EKS authenticates it and RBAC allows nothing (403, not "
                "401)",
                f"give it a group an RBAC binding grants: eks-tf-auth aws-auth upsert "
                f"--cluster-name {name} --{entry.kind.lower()} --{entry.kind[3:-1].lower()}arn "
                f"{entry.arn} --username {entry.username or 'NAME'} --groups GROUP --append",
                **evidence,
            )
        if match.entry_findings:
            problem = match.entry_findings[0].message
            return warned(f"{said}, but {problem}", "fix that line of aws-auth", **evidence)
        return passed(f"{said}, groups {', '.join(entry.groups)}", **evidence)
    if match.by_account:
        return passed(
            f"mapAccounts lets {wanted}'s account in (username = its ARN, no groups)", **evidence
        )
    if match.near_misses:
        miss = match.near_misses[0]
        return failed(
            f"{where} {miss.key} line {miss.line} is meant for {wanted} but never matches: "
            f"{miss.message}",
            f"write rolearn/userarn exactly as {wanted} (no path, no session)",
            **evidence,
        )
    if match.dropped_keys:
        return failed(
            f"EKS cannot read {', '.join(match.dropped_keys)} of {where} at all, so no entry "
            "under it maps anyone",
            f"see: eks-tf-auth aws-auth validate --cluster-name {name}",
            **evidence,
        )
    if mode == mappings.API:
        return skipped(f"{where} does not map {wanted}, and mode API does not read it", **evidence)
    if mappings.in_access_entries(facts) is Found.YES:
        return passed(f"{where} does not map {wanted}; its access entry does", **evidence)
    return failed(
        f"{where} does not map {wanted}",
        f"an admin adds it: eks-tf-auth aws-auth upsert --cluster-name {name} --maproles "
        f"--rolearn {wanted} --username NAME --groups GROUP"
        if ":role/" in wanted
        else f"an admin adds it: eks-tf-auth aws-auth upsert --cluster-name {name} --mapusers "
        f"--userarn {wanted} --username NAME --groups GROUP",
        **evidence,
    )


CHECK = Check("aws-auth", "aws-auth ConfigMap", check, ("identity", "cluster"), __doc__ or "")
