"""## What it does
Flags a `data "aws_eks_cluster_auth"` that nothing in its module references.

## Why is this bad?
Terraform still reads it at plan time: it signs a token that is stored in plaintext in the plan
file and state and serves no purpose.

## Example
    data "aws_eks_cluster_auth" "unused" { name = var.cluster_name }

Use instead: delete the block. `eks-tf-auth lint --fix` does, and removes the ones its other
fixes leave unused, in whichever file of the module they are declared.
"""

from __future__ import annotations

from collections.abc import Iterator

from eks_tf_auth.lint.edits import Edit, FixContext, Unfixable
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


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    """Release the data source: fix.py removes what nothing uses once every fix is made."""
    for directory, module in ctx.project.modules.items():
        for block in module.of_kind("data", AUTH_TYPE):
            at = (finding.path, finding.line, finding.column)
            if (block.path, block.line, block.column) != at:
                continue
            if "!" in directory:
                raise Unfixable("inside a saved plan: fix the configuration and plan again")
            if module.unparsed:
                raise Unfixable(f"{module.unparsed[0]} could not be parsed and may use it")
            ctx.released.add((directory, f"data.{AUTH_TYPE}.{block.labels[1]}"))
    return []


RULE = Rule(ID, "unused-cluster-auth", Severity.WARNING, check, __doc__ or "", fix)
