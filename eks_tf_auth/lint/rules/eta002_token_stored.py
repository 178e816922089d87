"""## What it does
Flags a token from `data "aws_eks_cluster_auth"` that flows into an output, a resource or data
source argument, a provisioner, or a kubeconfig built in locals.

The token is followed through locals, module inputs and outputs, and templates: the `rendered`
text of a `data "template_file"` whose `vars` carry it, and `templatefile()`. A finding points at
the line that carries the token, inside a multi-line expression too.

## Why is this bad?
Whatever holds the token is written to the plan and the state in plaintext, where anyone who can
read them can use it, and it goes stale 15 minutes after the plan.

## Example
    output "token" {
      value = data.aws_eks_cluster_auth.this.token
    }

Use instead: give consumers the cluster name and region, and let them run
`eks-tf-auth exec` (or read the `exec` output of the eks-exec-auth module).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from eks_tf_auth.lint.flow import AUTH_TYPE, Flow, Kind
from eks_tf_auth.lint.hcl import Block
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA002"
_KUBECONFIG_LOCAL = re.compile(r"yamlencode|jsonencode|templatefile|kubeconfig", re.I)


def check(project: Project) -> Iterator[Finding]:
    flow = Flow(project)
    for directory, module in project.modules.items():
        for block in module.blocks:
            if block.kind in ("provider", "module", "variable", "terraform"):
                continue  # providers are ETA001; module inputs are followed into the module
            if block.kind == "data" and block.labels[:1] == (AUTH_TYPE,):
                continue
            for attr in block.all_attributes():
                taint = flow.of(directory, attr.refs, Kind.AUTH)
                if taint is None:
                    continue
                if block.kind == "locals" and not _KUBECONFIG_LOCAL.search(attr.name + attr.expr):
                    continue  # a plain local is only a step; where it ends up is reported
                line, column = flow.site(directory, block.path, attr, Kind.AUTH)
                yield Finding(
                    block.path,
                    line,
                    column,
                    ID,
                    f"{_where(block, attr.name)} stores the token from {taint.describe()} in "
                    "plan and state, where it goes stale after 15 minutes",
                    RULE.severity,
                )


def _where(block: Block, name: str) -> str:
    if block.kind == "locals":
        return f"local.{name} (a kubeconfig)"
    if block.kind == "output":
        return f"output.{block.labels[0]}"
    return f"{block.address}.{name}"


RULE = Rule(ID, "token-stored", Severity.WARNING, check, __doc__ or "")
