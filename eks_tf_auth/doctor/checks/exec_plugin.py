"""Exec plugin: the context's exec plugin run exactly as kubectl runs it (its env and args,
KUBERNETES_EXEC_INFO with the cluster when provideClusterInfo is set, no terminal), and its
ExecCredential checked: the apiVersion asked for, a token, an expirationTimestamp; the token held
against the authenticator's rules, its age (EKS takes it for 15 minutes after signing), and the
cluster it is bound to.
"""

from __future__ import annotations

from eks_tf_auth.doctor import tokens
from eks_tf_auth.doctor.facts import Facts, Failed, got
from eks_tf_auth.doctor.model import Check, Evidence, Result, Results, failed, passed, skipped
from eks_tf_auth.token import TOKEN_VALIDITY


def check(facts: Facts, results: Results) -> Result:
    kube = got(facts.kubeconfig)
    ran = facts.plugin
    if kube is None or ran is None:
        return skipped("the context has no exec plugin")
    if isinstance(ran, Failed):
        return failed(ran.message, ran.hint or "run the exec command yourself to see its error")
    found = got(ran)
    assert found is not None
    asked, resolved = got(kube.request), got(facts.resolved)
    meant = facts.inputs.request or asked
    region = resolved.region if resolved else None
    shape = tokens.inspect(found.token, region)
    evidence: dict[str, Evidence] = {
        "length": shape.length,
        "sts_host": shape.host,
        "signed_at": shape.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ") if shape.signed_at else None,
        "refresh_at": found.refresh_at.strftime("%Y-%m-%dT%H:%M:%SZ") if found.refresh_at else None,
    }
    if shape.problem is not None:
        return failed(
            f"the plugin's token breaks the authenticator's rules: {shape.problem}",
            "have the exec block run eks-tf-auth exec (or aws eks get-token) for the cluster",
            **evidence,
        )
    if shape.signed_at is not None and shape.signed_at + TOKEN_VALIDITY <= facts.now:
        return failed(
            f"the plugin printed a token signed at {evidence['signed_at']}, which EKS no longer "
            "accepts (15 minutes)",
            "a stale cache: clear the plugin's cache (eks-tf-auth cache clear)",
            **evidence,
        )
    creds = got(facts.credentials)
    if meant is not None and creds is not None:
        bound = tokens.bound_to(found.token, creds.credentials, meant.token_cluster)
        if bound is False:
            return failed(
                f"the plugin's token is signed for another cluster than {meant.token_cluster} "
                "(its x-k8s-aws-id): EKS refuses it",
                f"give the exec block --cluster-name {meant.token_cluster} (see the kubeconfig "
                "check)",
                **evidence,
            )
        evidence["bound_to"] = meant.token_cluster if bound else None
    return passed(
        f"printed an ExecCredential with an EKS token ({shape.length} characters, "
        f"from {shape.host})",
        **evidence,
    )


CHECK = Check(
    "exec-plugin", "exec plugin, run as kubectl runs it", check, ("kubeconfig",), __doc__ or ""
)
