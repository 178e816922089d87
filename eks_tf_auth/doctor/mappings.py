"""Where the caller is mapped, as the checks for access entries, aws-auth and the mapping verdict
read it: the authentication mode, the access entry, and the aws-auth entry found by EKS's own
matching (`kube.aws_auth`), with the entries that were meant for the caller but never match."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from eks_tf_auth.doctor.facts import CONFIG_MAP, Facts, Failed, got, principal_arn
from eks_tf_auth.errors import InputError
from eks_tf_auth.kube.aws_auth import (
    KINDS,
    AwsAuth,
    Entry,
    Finding,
    Severity,
    canonical_arn,
    validate,
)

API = "API"
API_AND_CONFIG_MAP = "API_AND_CONFIG_MAP"
READS_ENTRIES = (API, API_AND_CONFIG_MAP)
READS_AWS_AUTH = (CONFIG_MAP, API_AND_CONFIG_MAP)


class Found(str, enum.Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"  # could not be read


def mode(facts: Facts) -> str | None:
    cluster = got(facts.cluster)
    return (cluster.cluster.authentication_mode or CONFIG_MAP) if cluster else None


def in_access_entries(facts: Facts) -> Found:
    if isinstance(facts.access_entry, Failed) or facts.access_entry is None:
        return Found.UNKNOWN
    return Found.YES if facts.access_entry.entry is not None else Found.NO


@dataclass(frozen=True)
class AwsAuthMatch:
    found: Found
    entry: Entry | None = None  # the entry EKS maps the caller to
    by_account: bool = False  # mapAccounts lets the caller's account in
    near_misses: tuple[Finding, ...] = ()  # why entries meant for the caller never match
    entry_findings: tuple[Finding, ...] = ()  # what is wrong with the matched entry
    dropped_keys: tuple[str, ...] = ()  # keys EKS cannot read at all
    findings: int = 0  # every validate finding


def in_aws_auth(facts: Facts) -> AwsAuthMatch:
    found, caller = got(facts.aws_auth), got(facts.caller)
    if found is None or caller is None:
        return AwsAuthMatch(Found.UNKNOWN)
    if found.data is None:
        return AwsAuthMatch(Found.NO)
    auth = AwsAuth.parse(found.data)
    problems = validate(found.data)
    dropped = auth.invalid_keys
    if _aws_auth_arn(caller.arn) is None:  # not an ARN EKS maps (STS can say odd things)
        return AwsAuthMatch(Found.NO, dropped_keys=dropped, findings=len(problems))
    entry = auth.match(caller.arn)
    if entry is not None:
        mine = tuple(
            f
            for f in problems
            if f.key == entry.kind and f.line == entry.line and f.severity is not Severity.NOTE
        )
        return AwsAuthMatch(Found.YES, entry, entry_findings=mine, findings=len(problems))
    misses = tuple(
        f
        for kind in KINDS
        for e in auth.entries(kind)
        if e.arn and _meant_for(e.arn, caller.arn)
        for f in problems
        if f.key == kind and f.line == e.line
    )
    return AwsAuthMatch(
        Found.YES if auth.match_account(caller.arn) else Found.NO,
        by_account=auth.match_account(caller.arn),
        near_misses=misses,
        dropped_keys=dropped,
        findings=len(problems),
    )


def _meant_for(written: str, caller: str) -> bool:
    """Whether an aws-auth ARN names the caller's role or user in a form EKS never matches (a
    path, an assumed-role ARN): same partition, account and name."""
    want = (_aws_auth_arn(caller) or "").lower().split(":")
    got_ = written.lower().split(":")
    if len(got_) != 6:
        return False
    same_place = got_[1] == want[1] and got_[4] == want[4]
    kind = got_[5].split("/")[0]
    names = {"assumed-role": -2, "role": -1, "user": -1}
    if kind not in names or len(got_[5].split("/")) < 2:
        return False
    return same_place and got_[5].split("/")[names[kind]] == want[5].split("/")[-1]


def canonical(facts: Facts) -> tuple[str | None, str | None]:
    """The caller as access entries name it (a role with its path) and as aws-auth must (no
    path)."""
    caller = got(facts.caller)
    if caller is None:
        return None, None
    return principal_arn(facts), _aws_auth_arn(caller.arn) or caller.arn


def _aws_auth_arn(arn: str) -> str | None:
    try:
        return canonical_arn(arn)
    except InputError:
        return None
