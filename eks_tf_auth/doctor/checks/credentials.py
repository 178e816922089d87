"""Credentials: found, from which source, and until when.

The same steps `exec` takes (environment keys, a profile's keys, botocore's chain: SSO,
credential_process, web identity, container and Pod Identity, instance metadata; then the role
given). Environment keys that override AWS_PROFILE are pointed out, and the messages of a failed
web identity (IRSA) are mapped to their causes.
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

POD_IDENTITY_HOSTS = ("169.254.170.23", "[fd00:ec2::23]")
SOURCES = {
    "env": "environment variables (AWS_ACCESS_KEY_ID)",
    "shared-credentials-file": "the static keys of profile {profile}",
    "config-file": "the static keys of profile {profile}",
    "sso": "AWS SSO (IAM Identity Center) of profile {profile}",
    "custom-process": "the credential_process of profile {profile}",
    "assume-role": "the role_arn of profile {profile}",
    "assume-role-with-web-identity": "web identity (IRSA: AWS_WEB_IDENTITY_TOKEN_FILE)",
    "container-role": "the container credentials endpoint (an ECS task role)",
    "iam-role": "the instance metadata service (the instance profile's role)",
}
# What AssumeRoleWithWebIdentity and the chain say, and what it means (the AWS notes' list).
CAUSES = (
    (
        "No OpenIDConnect provider found",
        "the account has no IAM OIDC provider for the cluster's issuer",
        "create it: eksctl utils associate-iam-oidc-provider --cluster CLUSTER --approve "
        "(see irsa-oidc-provider)",
    ),
    (
        "Incorrect token audience",
        "the token's audience is not a client id of the IAM OIDC provider",
        "add sts.amazonaws.com to the provider's client ids (see irsa-oidc-provider)",
    ),
    (
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        "the role's trust policy does not let this service account's token assume it",
        "fix the role's trust policy (see irsa-trust)",
    ),
    (
        "expired",
        "the projected service account token has expired",
        "the kubelet refreshes it: restart the pod, and check that the token file is mounted",
    ),
)


def check(facts: Facts, results: Results) -> Result:
    if facts.request is None:
        return skipped(
            "no cluster to diagnose: give --cluster-name, or a kubeconfig whose exec block "
            "names one"
        )
    if isinstance(facts.request, Failed):
        return failed(
            f"cannot tell the cluster from the kubeconfig's exec block: {facts.request.message}",
            facts.request.hint or "give --cluster-name",
        )
    if isinstance(facts.resolved, Failed):
        return failed(facts.resolved.message, facts.resolved.hint or "see --help")
    found = facts.credentials
    if isinstance(found, Failed):
        return _failure(found, facts)
    creds, resolved = got(found), got(facts.resolved)
    if creds is None or resolved is None:
        return skipped("no credentials were looked for")
    profile = resolved.request.profile or facts.environment.profile or "default"
    source = _source(creds.source, profile, facts.environment.container_uri)
    if creds.role_arn:
        source = f"{creds.role_arn}, assumed with {source}"
    expires = creds.credentials.expires_at
    evidence: dict[str, Evidence] = {
        "source": creds.source,
        "described": source,
        "profile": profile,
        "role_arn": creds.role_arn,
        "expires": expires.strftime("%Y-%m-%dT%H:%M:%SZ") if expires else None,
        "environment": facts.environment.present,
    }
    if expires is not None and expires <= facts.now:
        return failed(
            f"the credentials from {source} expired at {evidence['expires']}",
            "refresh them (aws sso login, new keys, or the process that issues them)",
            **evidence,
        )
    overridden = facts.environment.profile
    if creds.source == "env" and overridden and not resolved.request.profile:
        return warned(
            f"AWS_ACCESS_KEY_ID in the environment overrides AWS_PROFILE={overridden}: "
            "botocore signs with the keys, not the profile",
            "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN to use the "
            "profile, or give --profile",
            **evidence,
        )
    if expires:
        until = f", until {evidence['expires']}"
    elif creds.credentials.session_token:
        until = " (temporary: their expiry is not known here)"
    else:
        until = " (long-term keys: no expiry)"
    return passed(f"from {source}{until}", **evidence)


def _source(method: str, profile: str, container_uri: str | None) -> str:
    if (
        method == "container-role"
        and container_uri
        and any(host in container_uri for host in POD_IDENTITY_HOSTS)
    ):
        return "EKS Pod Identity (the Pod Identity agent)"
    template = SOURCES.get(method, f"botocore's {method} provider")
    return template.format(profile=profile)


def _failure(found: Failed, facts: Facts) -> Result:
    for text, cause, fix in CAUSES:
        if text.lower() in found.message.lower():
            resolved = got(facts.resolved)
            cluster = resolved.request.cluster_name if resolved else None
            return failed(
                f"{found.message} — {cause}",
                fix.replace("CLUSTER", cluster or "CLUSTER"),
                code=found.code,
            )
    if "no AWS credentials found" in found.message and facts.inputs.service_account:
        return failed(
            f"{found.message}: the pod's service account gives none",
            "annotate the service account with eks.amazonaws.com/role-arn (see "
            "irsa-service-account) and restart the pod",
            code=found.code,
        )
    return failed(
        found.message, found.hint or "see the AWS CLI's 'aws configure list'", code=found.code
    )


CHECK = Check("credentials", "AWS credentials", check, (), __doc__ or "")
