"""Identity: who AWS says the credentials are (STS GetCallerIdentity), and the principal EKS maps.

An assumed-role ARN becomes its role. Access entries name the role with its IAM path (read from
IAM: aws-auth cannot hold it, and STS does not report it); aws-auth must name it without one.
"""

from __future__ import annotations

from eks_tf_auth.doctor.facts import Facts, Failed, got, role_of
from eks_tf_auth.doctor.mappings import canonical
from eks_tf_auth.doctor.model import Check, Evidence, Result, Results, failed, passed, warned

CODES = {
    "InvalidClientTokenId": (
        "AWS does not know the access key (deleted, inactive, or of another partition)",
        "use current keys: check 'aws iam list-access-keys', or log in again",
    ),
    "SignatureDoesNotMatch": (
        "the secret key does not belong to the access key id",
        "set both keys again, copied from one pair",
    ),
    "ExpiredToken": (
        "the session token has expired",
        "refresh the credentials (aws sso login, or assume the role again)",
    ),
    "AccessDenied": (
        "STS refused: an SCP or a permissions boundary denies sts:GetCallerIdentity, or the "
        "role could not be assumed",
        "check the role's trust policy and the organisation's SCPs",
    ),
}


def check(facts: Facts, results: Results) -> Result:
    caller = facts.caller
    if isinstance(caller, Failed):
        cause, fix = CODES.get(caller.code or "", (None, caller.hint or "check the credentials"))
        finding = f"{caller.message}" + (f" — {cause}" if cause else "")
        return failed(finding, fix, code=caller.code)
    found = got(caller)
    assert found is not None
    principal, aws_auth_arn = canonical(facts)
    evidence: dict[str, Evidence] = {
        "arn": found.arn,
        "account": found.account,
        "principal_arn": principal,
        "aws_auth_arn": aws_auth_arn,
    }
    name = role_of(found.arn)
    if name is not None and isinstance(facts.role, Failed):
        return warned(
            f"{found.arn}: cannot read role {name} from IAM "
            f"({facts.role.code or facts.role.message}), "
            f"so its path is unknown; access entries are looked up as {principal}",
            f"grant iam:GetRole on it, or look the path up: aws iam get-role --role-name {name}",
            **evidence,
        )
    role = got(facts.role)
    if role is not None and role.path != "/":
        return passed(
            f"{found.arn}: role {name} has the path {role.path}, so access entries name "
            f"{principal} and aws-auth {aws_auth_arn}",
            **evidence,
        )
    same = principal == found.arn
    return passed(found.arn if same else f"{found.arn}, mapped as {principal}", **evidence)


CHECK = Check("identity", "Caller identity (STS)", check, ("credentials",), __doc__ or "")
