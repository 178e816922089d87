"""Terraform for plans: per principal an `aws_eks_access_entry` and an
`aws_eks_access_policy_association` per policy, `import` blocks for what already exists (ids
`cluster:principal` and `cluster#principal#policy`, as hashicorp/aws imports them), and a comment
block listing what could not move and why. Written through the package's Jinja environment
(`templates/access_entries.tf.j2`): every value is quoted by its `hcl` filter, names are
validated, and the output is `terraform fmt`-clean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Final

from eks_tf_auth import validate
from eks_tf_auth.access.model import EntryPlan, Plan, Status, Unmigrated, principal_arn
from eks_tf_auth.errors import InputError

TEMPLATE: Final = "access_entries.tf.j2"
ENTRY: Final = "aws_eks_access_entry"
ASSOCIATION: Final = "aws_eks_access_policy_association"
_NAME_CHARS = re.compile(r"[^a-z0-9_-]+")


def render_terraform(plans: Sequence[Plan]) -> str:
    """One file for one or several clusters; resource names are unique across them."""
    from eks_tf_auth.render.env import render

    names = _Names()
    return render(TEMPLATE, clusters=[_cluster(plan, names) for plan in plans])


class _Names:
    """Terraform resource names: letters, digits, '_' and '-', unique in the file."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, *parts: str) -> str:
        base = _NAME_CHARS.sub("_", "_".join(parts).lower()).strip("_") or "entry"
        base = base if base[0].isalpha() else f"_{base}"
        name, number = base, 1
        while name in self._used:
            number += 1
            name = f"{base}_{number}"
        self._used.add(name)
        return name


def _attr(key: str, value: object, *, ref: bool = False) -> dict[str, object]:
    return {"key": key, "value": value, "ref": ref}


def _cluster(plan: Plan, names: _Names) -> dict[str, object]:
    if plan.cluster is None:
        raise InputError(
            "the plan names no cluster, and Terraform needs one",
            hint="plan with --cluster-name (add --offline to call no AWS API)",
        )
    cluster = validate.cluster_name(plan.cluster.name)
    entries: list[dict[str, object]] = []
    imports: list[dict[str, str]] = []
    for entry in plan.entries:
        if entry.status is Status.CONFLICT:
            continue
        name = names.take(cluster, entry.principal_arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1])
        entries.append(_entry(cluster, entry, name, names, imports))
    return {
        "header": [_comment(line) for line in _header(plan)],
        "entries": entries,
        "imports": imports,
        "left_out": [_comment(line) for line in _left_out(plan)],
    }


def _entry(
    cluster: str, entry: EntryPlan, name: str, names: _Names, imports: list[dict[str, str]]
) -> dict[str, object]:
    arn = principal_arn(entry.principal_arn)
    attrs = [_attr("cluster_name", cluster), _attr("principal_arn", arn)]
    attrs.append(_attr("type", entry.type.value))
    if entry.username is not None:
        attrs.append(_attr("user_name", entry.username))
    if entry.groups:
        attrs.append(_attr("kubernetes_groups", list(entry.groups)))
    if entry.status is Status.EXISTS:
        imports.append({"to": f"{ENTRY}.{name}", "id": f"{cluster}:{arn}"})
    policies = []
    for policy in entry.policies:
        if policy.status is Status.CONFLICT:
            continue
        policy_name = names.take(name, _policy_slug(policy.name))
        scope = [_attr("type", policy.scope.type)]
        if policy.scope.namespaces:
            scope.append(_attr("namespaces", list(policy.scope.namespaces)))
        policies.append(
            {
                "name": policy_name,
                "attrs": [
                    _attr("cluster_name", f"{ENTRY}.{name}.cluster_name", ref=True),
                    _attr("principal_arn", f"{ENTRY}.{name}.principal_arn", ref=True),
                    _attr("policy_arn", policy.arn),
                ],
                "scope": scope,
            }
        )
        if policy.status is Status.EXISTS:
            imports.append(
                {"to": f"{ASSOCIATION}.{policy_name}", "id": f"{cluster}#{arn}#{policy.arn}"}
            )
    origin = entry.origin
    return {
        "name": name,
        "comments": [_comment(line) for line in (f"aws-auth {origin}: {origin.arn}", *entry.notes)],
        "attrs": attrs,
        "policies": policies,
    }


def _policy_slug(name: str) -> str:
    """AmazonEKSClusterAdminPolicy -> cluster_admin."""
    core = re.sub(r"Policy$", "", re.sub(r"^Amazon(EKS)?", "", name)) or name
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", core).lower()


def _header(plan: Plan) -> Iterator[str]:
    cluster = plan.cluster
    assert cluster is not None  # checked by the caller
    where = f" ({cluster.region})" if cluster.region else ""
    yield f"Access entries of EKS cluster {cluster.name}{where}, from aws-auth by eks-tf-auth."
    yield f"aws-auth: {plan.source}"
    if cluster.described:
        mode = cluster.authentication_mode.value if cluster.authentication_mode else "not reported"
        support = {True: "has", False: "has no", None: "may have"}[cluster.supports_access_entries]
        yield (
            f"Authentication mode {mode}; Kubernetes {cluster.kubernetes_version}, platform "
            f"{cluster.platform_version}: it {support} access entries."
        )
    else:
        yield "Planned offline: the cluster was not described and role paths were not checked."
    if any(
        e.status is Status.EXISTS or any(p.status is Status.EXISTS for p in e.policies)
        for e in plan.entries
    ):
        yield "The import blocks adopt what exists already (Terraform >= 1.5)."
    yield from plan.notes


def _left_out(plan: Plan) -> Iterator[str]:
    if plan.blocked:
        yield "Not migrated: EKS honours these aws-auth mappings and no access entry can stand"
        yield "for them, so switching the cluster to API mode cuts them off."
        yield from _unmigrated(plan.blocked)
    conflicts = [
        f"  {e.principal_arn}: {e.detail}" for e in plan.entries if e.status is Status.CONFLICT
    ] + [
        f"  {e.principal_arn}: {p.name}: {p.detail}"
        for e in plan.entries
        if e.status is not Status.CONFLICT
        for p in e.policies
        if p.status is Status.CONFLICT
    ]
    if conflicts:
        yield from [""] if plan.blocked else []
        yield "Left out: access entries that exist and differ from aws-auth (resolve by hand)."
        yield from conflicts
    if plan.skipped:
        yield from [""] if plan.blocked or conflicts else []
        yield "Not used by EKS today, so nothing to migrate:"
        yield from _unmigrated(plan.skipped)


def _unmigrated(items: Sequence[Unmigrated]) -> Iterator[str]:
    for u in items:
        arn = f" {u.origin.arn}" if u.origin.arn else ""
        yield f"  {u.origin}{arn}: {u.reason}"


def _comment(text: str) -> str:
    """Comment text as printable ASCII: anything else (a line break from aws-auth) is escaped,
    so it cannot end the comment."""
    return "".join(
        c if " " <= c <= "~" else (f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        for c in text
    )
