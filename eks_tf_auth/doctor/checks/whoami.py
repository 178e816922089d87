"""Whoami: the end-to-end answer — a SelfSubjectReview (`kubectl auth whoami`) with the token
(the exec plugin's for a kubeconfig given, else the one minted here): the username, groups and
ARN the cluster saw, or the 401 it answered, or why its endpoint cannot be reached.
"""

from __future__ import annotations

from eks_tf_auth.doctor.facts import Facts, Failed, got
from eks_tf_auth.doctor.model import (
    Check,
    Evidence,
    Result,
    Results,
    Status,
    failed,
    passed,
    skipped,
    warned,
)

ARN_KEY = "arn"  # SelfSubjectReview extra keys EKS sets
CANONICAL_KEY = "canonicalArn"
SESSION_KEY = "sessionName"


def check(facts: Facts, results: Results) -> Result:
    answer = facts.whoami
    if answer is None:
        return skipped(_why_not(facts, results))
    if isinstance(answer, Failed):
        return _refused(answer, facts, results)
    review = got(answer)
    assert review is not None
    arn = (review.extra.get(ARN_KEY) or (review.username,))[0]
    evidence: dict[str, Evidence] = {
        "username": review.username,
        "groups": review.groups,
        "arn": arn,
        "canonical_arn": (review.extra.get(CANONICAL_KEY) or (None,))[0],
        "session_name": (review.extra.get(SESSION_KEY) or (None,))[0],
    }
    caller = got(facts.caller)
    said = (
        f"the cluster sees {arn} as {review.username}, groups {', '.join(review.groups) or 'none'}"
    )
    if caller is not None and arn.startswith("arn:") and arn.lower() != caller.arn.lower():
        return warned(
            f"{said}; this shell is {caller.arn}",
            "the exec block's env or args choose another identity than this shell's: see the "
            "kubeconfig check",
            **evidence,
        )
    return passed(said, **evidence)


def _why_not(facts: Facts, results: Results) -> str:
    kube = got(facts.kubeconfig)
    given = kube is not None and kube.given
    for needed in ("exec-plugin",) if given else ("token", "cluster", "credentials"):
        result = results.get(needed)
        if result is not None and result.status in (Status.FAIL, Status.SKIP):
            how = "failed" if result.status is Status.FAIL else "was skipped"
            return f"needs {needed}, which {how}"
    return "no API server to ask"


def _refused(answer: Failed, facts: Facts, results: Results) -> Result:
    if answer.code == "401":
        failing = [name for name, r in results.items() if r.status is Status.FAIL]
        return failed(
            "the API server answered 401 Unauthorized: You must be logged in to the server",
            f"see the failed checks: {', '.join(failing)}"
            if failing
            else "run again with --logs: the authenticator's log line says why",
            code=answer.code,
        )
    if answer.code is not None:
        return failed(
            answer.message, answer.hint or "see the API server's message", code=answer.code
        )
    cluster = got(facts.cluster)
    fix = answer.hint or "check the network path to the endpoint"
    if cluster is not None and not cluster.access.endpoint_public:
        fix = "the endpoint is private: connect from the VPC (a VPN, a bastion, or a proxy)"
    elif (
        cluster is not None
        and cluster.access.public_cidrs
        and "0.0.0.0/0" not in cluster.access.public_cidrs
    ):
        cidrs = ", ".join(cluster.access.public_cidrs)
        fix = f"the public endpoint admits only {cidrs}: is this address among them?"
    return failed(answer.message, fix)


CHECK = Check("whoami", "Whoami (SelfSubjectReview)", check, (), __doc__ or "")
