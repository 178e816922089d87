"""IRSA trust: the role (AWS_ROLE_ARN, or the service account's annotation) and its trust policy
evaluated against the token's claims: `Principal.Federated` the cluster's OIDC provider, the
action `sts:AssumeRoleWithWebIdentity`, `ISSUER:sub` and `ISSUER:aud` with StringEquals (exact)
or StringLike (wildcards). A missing `:aud` or `:sub` condition is a weakness; a role that trusts
EKS Pod Identity (`pods.eks.amazonaws.com`) is recognised.
"""

from __future__ import annotations

from eks_tf_auth.doctor import trust_policy
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


def check(facts: Facts, results: Results) -> Result:
    if facts.web_identity is None and facts.inputs.service_account is None:
        return skipped("IRSA is not in play (no AWS_WEB_IDENTITY_TOKEN_FILE, no --service-account)")
    role_arn = facts.irsa_role_arn
    if not role_arn:
        return skipped("no role to check (no AWS_ROLE_ARN, no annotation)")
    found = facts.irsa_role
    if found is None:
        return skipped(
            f"{role_arn} was not read (no credentials to read IAM with)", role_arn=role_arn
        )
    if isinstance(found, Failed):
        return warned(
            f"cannot read {role_arn}: {found.message}",
            found.hint or "grant iam:GetRole, or check the role ARN",
            role_arn=role_arn,
        )
    role = got(found)
    cluster = got(facts.cluster)
    assert role is not None and cluster is not None
    issuer = (cluster.access.oidc_issuer or "").removeprefix("https://").rstrip("/")
    provider = got(facts.oidc_provider)
    partition, account = role.arn.split(":")[1], role.arn.split(":")[4]
    provider_arn = (
        provider.arn if provider else f"arn:{partition}:iam::{account}:oidc-provider/{issuer}"
    )
    subject, audiences = _claims(facts)
    verdict = trust_policy.evaluate(
        role.policy,
        provider_arn=provider_arn,
        issuer=issuer,
        subject=subject,
        audiences=audiences,
    )
    evidence: dict[str, Evidence] = {
        "role_arn": role.arn,
        "provider_arn": provider_arn,
        "subject": subject,
        "audiences": tuple(audiences),
        "pod_identity": verdict.pod_identity,
    }
    if not verdict.ok:
        return failed(verdict.finding, verdict.fix or "fix the trust policy", **evidence)
    if verdict.weakness:
        return warned(f"{verdict.finding}, but {verdict.weakness}", verdict.fix or "", **evidence)
    return passed(f"{role.arn}: {verdict.finding} ({subject or 'any subject'})", **evidence)


def _claims(facts: Facts) -> tuple[str | None, tuple[str, ...]]:
    """The token's sub and aud; for --service-account without a token, what IRSA would send."""
    identity = got(facts.web_identity)
    claims = identity.claims if identity else None
    if claims is not None:
        return claims.subject, claims.audiences
    asked = facts.inputs.service_account
    subject = f"system:serviceaccount:{asked[0]}:{asked[1]}" if asked else None
    return subject, (trust_policy.STS_AUDIENCE,)


CHECK = Check("irsa-trust", "IRSA: role trust policy", check, ("cluster",), __doc__ or "")
