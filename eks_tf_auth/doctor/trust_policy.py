"""A role's trust policy evaluated for IRSA, as STS evaluates AssumeRoleWithWebIdentity: an
Allow statement whose `Principal.Federated` is the cluster's IAM OIDC provider, whose `Action`
allows `sts:AssumeRoleWithWebIdentity`, and whose conditions on `ISSUER:sub` and `ISSUER:aud`
hold for the token's claims (`StringEquals` compares exactly, `*` included; `StringLike` takes
`*` and `?` wildcards). A statement that trusts `pods.eks.amazonaws.com` is EKS Pod Identity's.

Pure: it takes the policy document and the claims, and returns a `Verdict`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
STS_AUDIENCE = "sts.amazonaws.com"
# Operators on string keys this evaluates; `IfExists` and the set operators are read as the
# plain operator (a web-identity token always has one sub and one aud).
_OPERATORS = {
    "stringequals": False,
    "stringlike": True,
    "stringequalsignorecase": False,
}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    finding: str
    fix: str | None = None
    weakness: str | None = None  # where it holds, what it lets in that it should not
    pod_identity: bool = False


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = policy.get("Statement", [])
    items = found if isinstance(found, list) else [found]
    return [s for s in items if isinstance(s, dict)]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _principals(statement: Mapping[str, Any], kind: str) -> list[str]:
    principal = statement.get("Principal")
    return _strings(principal.get(kind)) if isinstance(principal, dict) else []


def _allows(statement: Mapping[str, Any], action: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for pattern in _strings(statement.get("Action"))
    )


def trusts_pod_identity(policy: Mapping[str, Any]) -> bool:
    return any(
        s.get("Effect") == "Allow" and POD_IDENTITY_SERVICE in _principals(s, "Service")
        for s in _statements(policy)
    )


def evaluate(
    policy: Mapping[str, Any],
    *,
    provider_arn: str,
    issuer: str,
    subject: str | None,
    audiences: Sequence[str],
) -> Verdict:
    """Whether a web-identity token of `issuer` (host and path, no scheme) with these claims may
    assume the role; `provider_arn` is the IAM OIDC provider of that issuer."""
    pod_identity = trusts_pod_identity(policy)
    web = [
        s
        for s in _statements(policy)
        if s.get("Effect") == "Allow" and _allows(s, WEB_IDENTITY_ACTION)
    ]
    if not web:
        if pod_identity:
            return Verdict(
                False,
                f"the role trusts EKS Pod Identity ({POD_IDENTITY_SERVICE}), not web identity: "
                "IRSA cannot assume it",
                "use an EKS Pod Identity association for the service account, or add an IRSA "
                f"statement for {provider_arn}",
                pod_identity=True,
            )
        return Verdict(
            False,
            f"no Allow statement of the trust policy allows {WEB_IDENTITY_ACTION}",
            f"add a statement: Principal.Federated {provider_arn}, Action "
            f"{WEB_IDENTITY_ACTION}, Condition StringEquals {issuer}:sub and {issuer}:aud",
        )
    ours = [s for s in web if provider_arn.lower() in map(str.lower, _principals(s, "Federated"))]
    if not ours:
        named = sorted({p for s in web for p in _principals(s, "Federated")}) or ["nothing"]
        return Verdict(
            False,
            f"the trust policy trusts {', '.join(named)}, not this cluster's OIDC provider "
            f"{provider_arn} (AccessDenied on {WEB_IDENTITY_ACTION})",
            f"set Principal.Federated to {provider_arn}",
            pod_identity=pod_identity,
        )
    first: Verdict | None = None
    for statement in ours:
        verdict = _conditions(statement, issuer, subject, audiences)
        if verdict.ok:
            return Verdict(
                True, verdict.finding, verdict.fix, verdict.weakness, pod_identity=pod_identity
            )
        first = first or verdict
    assert first is not None
    return first


def _conditions(
    statement: Mapping[str, Any], issuer: str, subject: str | None, audiences: Sequence[str]
) -> Verdict:
    issuer = issuer.lower()
    seen = {"sub": False, "aud": False}
    block = statement.get("Condition")
    for operator, tests in block.items() if isinstance(block, dict) else []:
        if not isinstance(tests, dict):
            continue
        name = re.sub(r"^(forallvalues|foranyvalue):|ifexists$", "", operator.lower())
        for key, values in tests.items():
            where, _, claim = key.lower().rpartition(":")
            if claim not in seen:
                continue
            if where != issuer:
                return Verdict(
                    False,
                    f"the condition on {key} names another issuer than this cluster's ({issuer})",
                    f"use {issuer}:{claim}",
                )
            seen[claim] = True
            wanted = _strings(values)
            actual = [subject] if claim == "sub" else list(audiences)
            if name not in _OPERATORS:
                continue  # not evaluated here: neither passed nor failed
            if actual == [None]:
                continue  # the subject is not known (no token, no --service-account)
            if not _holds(name, wanted, [a for a in actual if a is not None]):
                return Verdict(False, *_mismatch(operator, key, wanted, actual, claim))
    if not seen["sub"]:
        return Verdict(
            True,
            "the trust policy lets this token assume the role",
            f'add StringEquals "{issuer}:sub": "system:serviceaccount:NAMESPACE:NAME"',
            f"no {issuer}:sub condition: every service account of the cluster may assume it",
        )
    if not seen["aud"]:
        return Verdict(
            True,
            "the trust policy lets this token assume the role",
            f'add StringEquals "{issuer}:aud": "{STS_AUDIENCE}"',
            f"no {issuer}:aud condition: a token issued for another audience may assume it",
        )
    return Verdict(True, "the trust policy lets this token assume the role")


def _holds(operator: str, wanted: Iterable[str], actual: Sequence[str]) -> bool:
    like = _OPERATORS[operator]
    fold = operator.endswith("ignorecase")
    for value in actual:
        for pattern in wanted:
            if like and fnmatch.fnmatchcase(value, pattern.replace("[", "[[]")):
                return True
            if not like and (value.lower() == pattern.lower() if fold else value == pattern):
                return True
    return False


def _mismatch(
    operator: str, key: str, wanted: Sequence[str], actual: Sequence[str | None], claim: str
) -> tuple[str, str]:
    given = ", ".join(a or "" for a in actual) or "none"
    finding = (
        f"the condition {operator} {key} = {', '.join(wanted)} does not hold for the token's "
        f"{claim} {given} (AccessDenied on {WEB_IDENTITY_ACTION})"
    )
    if any("*" in w or "?" in w for w in wanted) and not _OPERATORS.get(operator.lower(), True):
        return finding, f"{operator} compares '*' literally: use StringLike for a pattern"
    if claim == "aud":
        return finding, f'set "{key}": "{STS_AUDIENCE}" (the audience of IRSA tokens)'
    return finding, f'set "{key}": "{given}", or the service account the pod runs as'
