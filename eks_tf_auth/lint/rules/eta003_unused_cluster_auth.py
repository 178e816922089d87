"""## What it does
Flags a `data "aws_eks_cluster_auth"` that nothing in its module references.

## Why is this bad?
Terraform still reads it at plan time: it signs a token that is stored in plaintext in the plan
file and state and serves no purpose.

## Example
    data "aws_eks_cluster_auth" "unused" { name = var.cluster_name }

Use instead: delete the block (`eks-tf-auth lint --fix` does, once its last use is replaced by an
exec block).
"""

from __future__ import annotations

from collections.abc import Iterator

from eks_tf_auth.lint.flow import AUTH_TYPE
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA003"


def check(project: Project) -> Iterator[Finding]:
    for module in project.modules.values():
        used = {ref for block in module.blocks for a in block.all_attributes() for ref in a.refs}
        for block in module.of_kind("data", AUTH_TYPE):
            address = f"data.{AUTH_TYPE}.{block.labels[1]}" if len(block.labels) > 1 else ""
            if address and address not in used:
                yield Finding(
                    block.path,
                    block.line,
                    block.column,
                    ID,
                    f"{address} is never used, but it is still read and stored at plan time",
                    RULE.severity,
                )


RULE = Rule(ID, "unused-cluster-auth", Severity.WARNING, check, __doc__ or "")
