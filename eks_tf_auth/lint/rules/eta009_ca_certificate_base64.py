"""## What it does
Flags a Kubernetes, Helm or kubectl provider whose `cluster_ca_certificate` is the cluster's
base64-encoded CA data (`certificate_authority[0].data`, terraform-aws-eks's
`cluster_certificate_authority_data`, `eks-tf-auth external`'s `certificate_authority_data`),
directly or through locals, without `base64decode()`.

## Why is this bad?
The providers expect the certificate in PEM, and EKS gives it base64-encoded. Without
`base64decode()` the provider cannot build its TLS configuration and fails on its first request,
with an error about the certificate or TLS that does not point at this line.

## Example
    provider "kubernetes" {
      host                   = data.aws_eks_cluster.this.endpoint
      cluster_ca_certificate = data.aws_eks_cluster.this.certificate_authority[0].data
    }

Use instead (`eks-tf-auth lint --fix` wraps it):

    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from eks_tf_auth.lint.connections import Connection, connections
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable
from eks_tf_auth.lint.hcl import Attribute, code
from eks_tf_auth.lint.model import Module, Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity
from eks_tf_auth.lint.syntax import interpolation, is_json

ID = "ETA009"
# Where EKS's CA comes base64-encoded: the cluster's certificate_authority[0].data (data source
# or resource), terraform-aws-eks's cluster_certificate_authority_data output, and the
# certificate_authority_data of `eks-tf-auth external` or a variable named after it.
BASE64_CA = re.compile(
    r"certificate_authority_data\b"
    r"|certificate_authority\s*(?:\[\s*(?:0|\*)\s*\]|\.0|\.\*)?\s*\.\s*data\b"
)
DECODE = "base64decode"


def check(project: Project) -> Iterator[Finding]:
    for conn in connections(project):
        ca = conn.ca
        if ca is not None and _encoded(project.modules[conn.module], ca, set()):
            yield Finding(
                conn.provider.path,
                ca.line,
                ca.column,
                ID,
                f"{conn.name}: cluster_ca_certificate is the base64-encoded CA data; the "
                "provider expects PEM and fails TLS: wrap it in base64decode()",
                RULE.severity,
            )


def _encoded(module: Module, attr: Attribute, seen: set[str]) -> bool:
    """Whether an expression is base64 CA data that nothing decodes, following locals."""
    text = code(attr.expr)
    if DECODE in text:
        return False
    if BASE64_CA.search(text):
        return True
    for ref in attr.refs:
        if ref.startswith("local.") and ref not in seen:
            seen.add(ref)
            value = next(
                (
                    a
                    for b in module.of_kind("locals")
                    for a in b.attributes.values()
                    if f"local.{a.name}" == ref
                ),
                None,
            )
            if value is not None and _encoded(module, value, seen):
                return True
    return False


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    conn = next((c for c in connections(ctx.project) if _at(c, finding)), None)
    if conn is None or "!" in conn.module:
        raise Unfixable("inside a saved plan: fix the configuration and plan again")
    ca = conn.ca
    assert ca is not None  # _at matched it
    path = conn.provider.path
    if not is_json(path):
        return [Edit(path, ca.expr_start, ca.end, Op.REPLACE, f"{DECODE}({ca.expr})")]
    value = json.loads(ca.expr)
    inner = interpolation(value) if isinstance(value, str) else None
    if inner is None:
        raise Unfixable('the value is not one "${...}" interpolation: decode it by hand')
    return [Edit(path, ca.expr_start, ca.end, Op.REPLACE, json.dumps(f"${{{DECODE}({inner})}}"))]


def _at(conn: Connection, finding: Finding) -> bool:
    ca = conn.ca
    return ca is not None and (conn.provider.path, ca.line, ca.column) == (
        finding.path,
        finding.line,
        finding.column,
    )


RULE = Rule(ID, "ca-certificate-base64", Severity.ERROR, check, __doc__ or "", fix)
