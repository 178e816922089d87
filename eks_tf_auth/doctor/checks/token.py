"""Token: minted by the code `exec` runs, then decoded and held against the authenticator's rules:
at most 4096 characters, a presigned GetCallerIdentity URL on an AWS STS host of the cluster's
partition, `x-k8s-aws-id` signed in, bound to the cluster asked for.
"""

from __future__ import annotations

from eks_tf_auth.doctor import tokens
from eks_tf_auth.doctor.facts import Facts, Failed, got
from eks_tf_auth.doctor.model import Check, Evidence, Result, Results, failed, passed, skipped
from eks_tf_auth.token import MAX_TOKEN_LENGTH

LONG_TOKEN_FIX = (
    "the session token makes it too long: assume the role with fewer session tags and a "
    "shorter session policy"
)


def check(facts: Facts, results: Results) -> Result:
    minted = facts.token
    if isinstance(minted, Failed):
        return failed(minted.message, minted.hint or "see the credentials check")
    found, resolved, creds = got(minted), got(facts.resolved), got(facts.credentials)
    if found is None or resolved is None or creds is None:
        return skipped("no token: no cluster to mint one for")
    shape = tokens.inspect(found.token.value, resolved.region)
    evidence: dict[str, Evidence] = {
        "length": shape.length,
        "sts_host": shape.host,
        "signing_region": shape.scope_region,
        "signed_headers": shape.signed_headers,
        "cluster_id": found.cluster_id,
        "expires": found.token.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if shape.problem is not None:
        long = shape.length > MAX_TOKEN_LENGTH
        fix = (
            LONG_TOKEN_FIX
            if long
            else (
                "sign with an AWS STS endpoint: unset AWS_ENDPOINT_URL_STS (and the profile's "
                "endpoint_url for sts)"
            )
        )
        return failed(
            f"the token breaks the authenticator's rules: {shape.problem}", fix, **evidence
        )
    bound = tokens.bound_to(found.token.value, creds.credentials, found.cluster_id)
    if bound is False:  # pragma: no cover - minted here for this cluster: a bug in token.py
        return failed(
            f"the token is not bound to {found.cluster_id}",
            "report this: eks-tf-auth signed a token for another cluster",
            **evidence,
        )
    return passed(
        f"{shape.length} characters, signed by {shape.host} ({shape.scope_region}) for "
        f"x-k8s-aws-id {found.cluster_id}",
        **evidence,
    )


CHECK = Check("token", "EKS token", check, ("credentials",), __doc__ or "")
