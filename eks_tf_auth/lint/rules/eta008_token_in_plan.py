"""## What it does
Flags an EKS token inside a saved plan file or `terraform show -json` plan output, and says
when it was minted and when it expires.

## Why is this bad?
Applying the plan uses that token. EKS refuses it 15 minutes after it was minted, so an apply
after that fails with `Unauthorized`, and the token can be read by anyone who can read the plan.

## Example
A plan made from a configuration with `data "aws_eks_cluster_auth"`:

    data.aws_eks_cluster_auth.this: token minted 2026-11-22T10:00:00Z, expired at 10:15:00Z

Use instead: configure the providers with exec blocks (see ETA001) and plan again.
"""

from __future__ import annotations

from collections.abc import Iterator

from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA008"


def check(project: Project) -> Iterator[Finding]:
    for token in project.plan_tokens:
        if token.minted is None or token.expires is None:
            when = "with an unreadable signing time"
        else:
            when = (
                f"minted {token.minted:%Y-%m-%dT%H:%M:%SZ}, expires "
                f"{token.expires:%Y-%m-%dT%H:%M:%SZ} (15 minutes later)"
            )
        yield Finding(
            token.path,
            1,
            1,
            ID,
            f"the plan carries an EKS token from {token.address}, {when}: an apply after that "
            "fails with Unauthorized",
            RULE.severity,
        )


RULE = Rule(ID, "token-in-plan", Severity.ERROR, check, __doc__ or "")
