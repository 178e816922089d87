"""Mapping: the verdict — is the caller mapped where the cluster's authentication mode looks?
API reads access entries only, CONFIG_MAP aws-auth only, API_AND_CONFIG_MAP both (access entries
first). Mapped only where the mode does not look is said so; unmapped with the API server still
accepting the caller is the cluster's creator (mapped out of sight in CONFIG_MAP mode).
"""

from __future__ import annotations

from eks_tf_auth.doctor import mappings
from eks_tf_auth.doctor.facts import CONFIG_MAP, Facts, Failed, got
from eks_tf_auth.doctor.mappings import Found
from eks_tf_auth.doctor.model import Check, Evidence, Result, Results, failed, passed, warned


def check(facts: Facts, results: Results) -> Result:
    mode = mappings.mode(facts)
    principal, wanted = mappings.canonical(facts)
    cluster, resolved = got(facts.cluster), got(facts.resolved)
    assert cluster is not None and resolved is not None and principal and wanted and mode
    name, region = cluster.cluster.name, resolved.region
    entries = mappings.in_access_entries(facts) if mode in mappings.READS_ENTRIES else Found.NO
    aws_auth = mappings.in_aws_auth(facts).found
    evidence: dict[str, Evidence] = {
        "authentication_mode": mode,
        "access_entry": entries.value if mode in mappings.READS_ENTRIES else None,
        "aws_auth": aws_auth.value,
    }
    create = (
        f"aws eks create-access-entry --cluster-name {name} --region {region} --principal-arn "
        f"{principal}, then aws eks associate-access-policy for what it may do"
    )
    upsert = (
        f"an admin maps it: eks-tf-auth aws-auth upsert --cluster-name {name} "
        + (
            f"--maproles --rolearn {wanted}"
            if ":role/" in wanted
            else f"--mapusers --userarn {wanted}"
        )
        + " --username NAME --groups GROUP"
    )
    if entries is Found.YES:
        return passed(f"mapped by its access entry (mode {mode})", **evidence)
    reads_aws_auth = mode in mappings.READS_AWS_AUTH
    if aws_auth is Found.YES and reads_aws_auth:
        return passed(f"mapped by aws-auth (mode {mode})", **evidence)
    if aws_auth is Found.YES:
        return failed(
            f"{wanted} is mapped in aws-auth, but mode {mode} reads only access entries",
            f"{create}; or let EKS read aws-auth too: aws eks update-cluster-config --name {name} "
            f"--region {region} --access-config authenticationMode=API_AND_CONFIG_MAP",
            **evidence,
        )
    unknown = Found.UNKNOWN in (entries, aws_auth if reads_aws_auth else Found.NO)
    if got(facts.whoami) is not None:
        return passed(
            "the API server accepts the caller"
            + (
                ", though where it is mapped could not be read"
                if unknown
                else ", mapped by neither an access entry nor aws-auth: the cluster's creator, "
                "whom EKS maps out of sight"
            ),
            **evidence,
        )
    refused = isinstance(facts.whoami, Failed) and facts.whoami.code == "401"
    if unknown and not refused:
        return warned(
            f"cannot tell whether {principal} is mapped: the "
            f"{'access entries' if entries is Found.UNKNOWN else 'aws-auth ConfigMap'} could "
            "not be read",
            "see the access-entry and aws-auth checks",
            **evidence,
        )
    if mode == mappings.API:
        return failed(
            f"{principal} has no access entry, and mode API reads nothing else", create, **evidence
        )
    if mode == CONFIG_MAP:
        return failed(
            f"{wanted} is not in aws-auth, and mode CONFIG_MAP reads nothing else",
            upsert,
            **evidence,
        )
    return failed(f"{principal} is in neither an access entry nor aws-auth", create, **evidence)


CHECK = Check("mapping", "Mapping verdict", check, ("identity", "cluster"), __doc__ or "")
