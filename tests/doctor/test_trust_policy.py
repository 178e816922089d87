"""doctor/trust_policy.py: trust policies evaluated as STS evaluates AssumeRoleWithWebIdentity."""

from __future__ import annotations

from typing import Any

import pytest

from eks_tf_auth.doctor.trust_policy import evaluate, trusts_pod_identity

ISSUER = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"
SUB = "system:serviceaccount:apps:app"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def web(
    condition: Any = None,
    *,
    action: Any = "sts:AssumeRoleWithWebIdentity",
    federated: Any = PROVIDER,
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": federated},
        "Action": action,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def verdict(
    doc: dict[str, Any],
    subject: str | None = SUB,
    audiences: tuple[str, ...] = ("sts.amazonaws.com",),
) -> Any:
    return evaluate(doc, provider_arn=PROVIDER, issuer=ISSUER, subject=subject, audiences=audiences)


GOOD = {"StringEquals": {f"{ISSUER}:sub": SUB, f"{ISSUER}:aud": "sts.amazonaws.com"}}


@pytest.mark.parametrize(
    ("doc", "ok", "finding", "weakness"),
    [
        (policy(web(GOOD)), True, "lets this token assume", None),
        ({"Statement": web(GOOD)}, True, "lets this token assume", None),
        (policy(web(GOOD, action=["sts:*"])), True, "lets", None),
        (policy(web(GOOD, federated=[PROVIDER.upper(), "x"])), True, "lets", None),
        (
            policy(
                web(
                    {
                        "StringLike": {
                            f"{ISSUER}:sub": "system:serviceaccount:apps:*",
                            f"{ISSUER}:aud": "sts.*",
                        }
                    }
                )
            ),
            True,
            "lets",
            None,
        ),
        (
            policy(
                web(
                    {
                        "StringEqualsIgnoreCase": {
                            f"{ISSUER.upper()}:SUB": SUB.upper(),
                            f"{ISSUER}:aud": "STS.amazonaws.com",
                        }
                    }
                )
            ),
            True,
            "lets",
            None,
        ),
        (
            policy(
                web(
                    {
                        "ForAnyValue:StringEquals": {
                            f"{ISSUER}:sub": [SUB, "x"],
                            f"{ISSUER}:aud": ["sts.amazonaws.com"],
                        }
                    }
                )
            ),
            True,
            "lets",
            None,
        ),
        (
            policy(
                web(
                    {
                        "StringEqualsIfExists": {
                            f"{ISSUER}:sub": SUB,
                            f"{ISSUER}:aud": "sts.amazonaws.com",
                        }
                    }
                )
            ),
            True,
            "lets",
            None,
        ),
        (policy(web({"StringEquals": {f"{ISSUER}:sub": SUB}})), True, "lets", ":aud condition"),
        (
            policy(web({"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"}})),
            True,
            "lets",
            ":sub condition",
        ),
        (policy(web()), True, "lets", ":sub condition"),
        (
            policy(
                web(
                    {
                        "Bool": "not a block",
                        "StringEquals": {"aws:PrincipalTag/x": "y", **GOOD["StringEquals"]},
                    }
                )
            ),
            True,
            "lets",
            None,
        ),
        (
            policy(
                web(
                    {
                        "ArnLike": {f"{ISSUER}:sub": "x"},
                        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                    }
                )
            ),
            True,
            "lets",
            None,
        ),
        (
            policy(
                {
                    "Effect": "Deny",
                    "Principal": {"Federated": PROVIDER},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ),
            False,
            "no Allow statement",
            None,
        ),
        (
            policy(web(GOOD, federated="arn:aws:iam::1:oidc-provider/other")),
            False,
            "trusts arn:aws:iam::1:oidc-provider/other",
            None,
        ),
        (
            policy(
                {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRoleWithWebIdentity"}
            ),
            False,
            "trusts nothing",
            None,
        ),
        (
            policy(web({"StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:apps:other"}})),
            False,
            "does not hold",
            None,
        ),
        (
            policy(web({"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/X:sub": SUB}})),
            False,
            "names another issuer",
            None,
        ),
        (
            policy(web({"StringEquals": {f"{ISSUER}:aud": "vault"}})),
            False,
            "aud sts.amazonaws.com",
            None,
        ),
        ("not a policy", False, "no Allow statement", None),
    ],
)
def test_trust_policies(doc: Any, ok: bool, finding: str, weakness: str | None) -> None:
    found = verdict(doc if isinstance(doc, dict) else {"Statement": [doc]})
    assert found.ok is ok, found
    assert finding in found.finding, found.finding
    assert (weakness is None and found.weakness is None) or (
        weakness and weakness in (found.weakness or "")
    )


def test_the_first_failing_statement_is_reported_when_none_holds() -> None:
    first = web({"StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:a:one"}})
    second = web({"StringEquals": {f"{ISSUER}:sub": "system:serviceaccount:a:two"}})
    assert "a:one" in verdict(policy(first, second)).finding
    assert verdict(policy(first, web(GOOD))).ok


def test_fixes() -> None:
    assert "use StringLike" in (
        verdict(policy(web({"StringEquals": {f"{ISSUER}:sub": "system:*"}}))).fix or ""
    )
    other = verdict(policy(web({"StringEquals": {f"{ISSUER}:sub": "x"}})))
    assert other.fix == f'set "{ISSUER}:sub": "{SUB}", or the service account the pod runs as'
    aud = verdict(policy(web({"StringEquals": {f"{ISSUER}:aud": "x"}})))
    assert aud.fix == f'set "{ISSUER}:aud": "sts.amazonaws.com" (the audience of IRSA tokens)'
    assert "Principal.Federated" in (verdict(policy()).fix or "")


def test_an_unknown_subject_checks_the_rest() -> None:
    found = verdict(policy(web(GOOD)), subject=None)
    assert found.ok
    found = verdict(policy(web({"StringEquals": {f"{ISSUER}:aud": "x"}})), subject=None)
    assert not found.ok and "aud" in found.finding
    assert not verdict(policy(web(GOOD)), audiences=()).ok


def test_pod_identity() -> None:
    pods = {
        "Effect": "Allow",
        "Principal": {"Service": ["pods.eks.amazonaws.com"]},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    assert trusts_pod_identity(policy(pods))
    found = verdict(policy(pods))
    assert not found.ok and found.pod_identity and "EKS Pod Identity" in found.finding
    both = verdict(policy(pods, web(GOOD)))
    assert both.ok and both.pod_identity
    assert not trusts_pod_identity(
        policy({"Effect": "Deny", "Principal": {"Service": "pods.eks.amazonaws.com"}})
    )
