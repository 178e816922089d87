"""IRSA token (AWS_WEB_IDENTITY_TOKEN_FILE): the projected service-account token readable, and its
claims (iss, aud, sub, exp) decoded, not verified: issued by this cluster's OIDC issuer, for the
audience sts.amazonaws.com, not expired.
"""

from __future__ import annotations

from eks_tf_auth.doctor.facts import Facts, got
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
    found = facts.web_identity
    if found is None:
        return skipped("AWS_WEB_IDENTITY_TOKEN_FILE is not set")
    identity = got(found)
    assert identity is not None
    if identity.problem is not None:
        return failed(
            identity.problem,
            "check the pod's projected token volume (IRSA mounts it at "
            "/var/run/secrets/eks.amazonaws.com/serviceaccount/token)",
            path=identity.path,
        )
    claims = identity.claims
    if claims is None:
        return failed(
            f"{identity.path} does not hold a JWT",
            "point AWS_WEB_IDENTITY_TOKEN_FILE at the projected service account token",
            path=identity.path,
        )
    expires = claims.expires.strftime("%Y-%m-%dT%H:%M:%SZ") if claims.expires else None
    evidence: dict[str, Evidence] = {
        "path": identity.path,
        "issuer": claims.issuer,
        "audiences": claims.audiences,
        "subject": claims.subject,
        "expires": expires,
    }
    if claims.expires is not None and claims.expires <= facts.now:
        return failed(
            f"the token expired at {expires}",
            "the kubelet refreshes it while the pod runs: restart the pod",
            **evidence,
        )
    if STS_AUDIENCE not in claims.audiences:
        return failed(
            f"the token's audience is {', '.join(claims.audiences) or 'missing'}, not "
            f"{STS_AUDIENCE}: STS answers 'Incorrect token audience'",
            f"project the token with audience {STS_AUDIENCE} (the EKS pod identity webhook does)",
            **evidence,
        )
    cluster = got(facts.cluster)
    issuer = cluster.access.oidc_issuer if cluster else None
    if issuer and claims.issuer and claims.issuer.rstrip("/") != issuer.rstrip("/"):
        return failed(
            f"the token was issued by {claims.issuer}, not this cluster's issuer {issuer}",
            "run in a pod of this cluster, or diagnose the cluster that issued it",
            **evidence,
        )
    meant = facts.inputs.service_account
    if meant and claims.subject != f"system:serviceaccount:{meant[0]}:{meant[1]}":
        return warned(
            f"the token is {claims.subject}'s, not {meant[0]}/{meant[1]}'s",
            "run the pod as the service account given, or give --service-account for this one",
            **evidence,
        )
    return passed(f"{claims.subject}, audience {STS_AUDIENCE}, until {expires}", **evidence)


CHECK = Check("irsa-token", "IRSA: projected token", check, (), __doc__ or "")
