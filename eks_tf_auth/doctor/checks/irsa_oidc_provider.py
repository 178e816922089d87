"""IRSA OIDC provider: the cluster's OIDC issuer has an IAM OpenID Connect provider in the
account, with sts.amazonaws.com among its client ids (else STS answers "No OpenIDConnect provider
found in your account" or "Incorrect token audience").
"""

from __future__ import annotations

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
from eks_tf_auth.doctor.trust_policy import STS_AUDIENCE


def check(facts: Facts, results: Results) -> Result:
    if facts.web_identity is None and facts.inputs.service_account is None:
        return skipped("IRSA is not in play (no AWS_WEB_IDENTITY_TOKEN_FILE, no --service-account)")
    cluster, resolved = got(facts.cluster), got(facts.resolved)
    assert cluster is not None and resolved is not None
    name, region = cluster.cluster.name, resolved.region
    issuer = cluster.access.oidc_issuer
    if not issuer:
        return failed(
            f"cluster {name} reports no OIDC issuer",
            "IRSA needs the cluster's OIDC issuer: use EKS Pod Identity instead",
        )
    found = facts.oidc_provider
    if isinstance(found, Failed):
        return warned(
            f"cannot list the account's IAM OIDC providers: {found.message}",
            "grant iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider",
            issuer=issuer,
        )
    if not facts.oidc_checked:
        return skipped(
            "the account's IAM OIDC providers were not read (no credentials)", issuer=issuer
        )
    provider = got(found)
    if provider is None:
        return failed(
            f"the account has no IAM OIDC provider for {issuer}: AssumeRoleWithWebIdentity fails "
            "with 'No OpenIDConnect provider found in your account'",
            f"eksctl utils associate-iam-oidc-provider --cluster {name} --region {region} "
            f"--approve (or aws iam create-open-id-connect-provider --url {issuer} "
            f"--client-id-list {STS_AUDIENCE})",
            issuer=issuer,
        )
    evidence: dict[str, Evidence] = {
        "issuer": issuer,
        "provider_arn": provider.arn,
        "client_ids": provider.client_ids,
    }
    if STS_AUDIENCE not in provider.client_ids:
        return failed(
            f"the IAM OIDC provider's client ids are {', '.join(provider.client_ids) or 'none'}, "
            f"not {STS_AUDIENCE}: STS answers 'Incorrect token audience'",
            f"aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "
            f"{provider.arn} --client-id {STS_AUDIENCE}",
            **evidence,
        )
    return passed(f"{provider.arn} trusts {issuer} for {STS_AUDIENCE}", **evidence)


CHECK = Check("irsa-oidc-provider", "IRSA: IAM OIDC provider", check, ("cluster",), __doc__ or "")
