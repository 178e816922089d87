"""IRSA service account (--service-account NS/NAME): that it exists and carries the
`eks.amazonaws.com/role-arn` annotation, without which its pods get no IRSA credentials (the AWS
notes' "the service account does not have an annotation").
"""

from __future__ import annotations

from eks_tf_auth.doctor.facts import ROLE_ANNOTATION, Facts, Failed, got
from eks_tf_auth.doctor.model import Check, Result, Results, failed, passed, skipped


def check(facts: Facts, results: Results) -> Result:
    asked = facts.inputs.service_account
    if asked is None:
        return skipped("no --service-account given")
    namespace, name = asked
    read = facts.service_account
    if read is None:
        return skipped("not read: the API server was not reached")
    if isinstance(read, Failed):
        return failed(
            f"cannot read service account {namespace}/{name}: {read.message}",
            "read it as an identity that may: kubectl get serviceaccount -n "
            f"{namespace} {name} -o yaml",
            code=read.code,
        )
    account = got(read)
    assert account is not None
    if account.annotations is None:
        return failed(
            f"there is no service account {namespace}/{name}",
            f"kubectl create serviceaccount -n {namespace} {name}, and run the pod as it",
        )
    role = account.annotations.get(ROLE_ANNOTATION)
    if not role:
        return failed(
            f"the service account {namespace}/{name} does not have an annotation "
            f"{ROLE_ANNOTATION}: its pods get no IRSA credentials",
            f"kubectl annotate serviceaccount -n {namespace} {name} "
            f"{ROLE_ANNOTATION}=arn:aws:iam::ACCOUNT:role/ROLE, then restart its pods (or use "
            "an EKS Pod Identity association)",
        )
    return passed(f"{namespace}/{name} is annotated with {role}", role_arn=role)


CHECK = Check(
    "irsa-service-account", "IRSA: service account annotation", check, ("cluster",), __doc__ or ""
)
