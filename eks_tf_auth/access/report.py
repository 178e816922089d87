"""What the access-entries commands print: a plan as text or JSON, the fleet's summary table,
and apply's summary. Values only; the commands write them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from eks_tf_auth.access.apply import Action, ApplyResult
from eks_tf_auth.access.model import EntryPlan, Plan, Status, Unmigrated
from eks_tf_auth.access.plan import Fleet

OUTPUTS = ("text", "json")  # plan --output


def plan_json(plans: Sequence[Plan], fleet: Fleet | None = None) -> str:
    """One plan as its JSON form; a fleet as {"clusters": [...], "failures": [...]}."""
    if fleet is None:
        return json.dumps(plans[0].to_json(), indent=2) + "\n"
    document = {
        "clusters": [p.to_json() for p in fleet.plans],
        "failures": [
            {"cluster": f.cluster, "error": f.message, "hint": f.hint} for f in fleet.failures
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def plan_text(plan: Plan) -> str:
    return "\n".join(_plan_lines(plan)) + "\n"


def _plan_lines(plan: Plan) -> Iterator[str]:
    cluster = plan.cluster
    if cluster is None:
        yield "cluster: none given (planned offline)"
    elif cluster.described:
        mode = cluster.authentication_mode.value if cluster.authentication_mode else "not reported"
        support = {True: "yes", False: "no", None: "cannot tell"}[cluster.supports_access_entries]
        yield f"cluster: {cluster.name} ({cluster.region})"
        yield f"authentication mode: {mode}"
        yield (
            f"platform: Kubernetes {cluster.kubernetes_version}, {cluster.platform_version}; "
            f"access entries: {support}"
        )
    else:
        yield f"cluster: {cluster.name} (offline: not described, role paths not checked)"
    yield f"aws-auth: {plan.source}"
    for note in plan.notes:
        yield f"note: {note}"
    counts = ", ".join(
        f"{len(plan.with_status(s))} {label}"
        for s, label in ((Status.CREATE, "to create"), (Status.EXISTS, "exist"))
    )
    conflicts = len(plan.with_status(Status.CONFLICT))
    checked = f", {conflicts} conflict" if plan.entries_checked else " (not compared)"
    yield ""
    yield f"access entries: {counts}{checked}"
    for entry in plan.entries:
        yield from _entry_lines(entry)
    if plan.blocked:
        yield ""
        yield f"cannot migrate ({len(plan.blocked)}):"
        yield from _unmigrated_lines(plan.blocked)
    if plan.skipped:
        yield ""
        yield f"not used by EKS today, nothing to migrate ({len(plan.skipped)}):"
        yield from _unmigrated_lines(plan.skipped)
    yield ""
    yield f"switch to API: {_api_verdict(plan)}"


def _entry_lines(entry: EntryPlan) -> Iterator[str]:
    parts = [entry.type.value]
    if entry.username is not None:
        parts.append(f"username {entry.username!r}")
    if entry.groups:
        parts.append("groups " + ", ".join(g if g.isprintable() else repr(g) for g in entry.groups))
    parts += [f"policy {p.name} ({p.scope}){_status(p.status, ' ')}" for p in entry.policies]
    yield f"  {entry.status.value:8} {entry.principal_arn}"
    yield f"           {'; '.join(parts)}  [{entry.origin}]"
    if entry.detail:
        yield f"           conflict: {entry.detail}"
    for p in entry.policies:
        if p.detail:
            yield f"           conflict: {p.name}: {p.detail}"
    for note in entry.notes:
        yield f"           note: {note}"


def _status(status: Status, sep: str) -> str:
    return "" if status is Status.CREATE else f"{sep}{status.value}"


def _unmigrated_lines(items: Sequence[Unmigrated]) -> Iterator[str]:
    for u in items:
        arn = f" {u.origin.arn}" if u.origin.arn else ""
        yield f"  {u.origin}{arn}"
        yield f"           {u.code}: {u.reason}"


def _api_verdict(plan: Plan) -> str:
    if not plan.can_switch_to_api:
        conflicts = sum(
            1
            for e in plan.entries
            if e.status is Status.CONFLICT or any(p.status is Status.CONFLICT for p in e.policies)
        )
        parts = [f"{len(plan.blocked)} cannot migrate"] if plan.blocked else []
        parts += [f"{conflicts} conflict"] if conflicts else []
        return f"blocked ({', '.join(parts)})"
    pending = plan.api_blockers()
    if pending:
        return f"once the plan is applied ({len(pending)} change(s) to make)"
    return "nothing is left in aws-auth that EKS honours and access entries lack"


def fleet_text(fleet: Fleet) -> str:
    """The fleet's summary table: cluster, mode, entries to create, blocked, API verdict."""
    rows = [("CLUSTER", "MODE", "TO CREATE", "BLOCKED", "SWITCH TO API")]
    for plan in fleet.plans:
        assert plan.cluster is not None  # fleet plans are per cluster
        mode = plan.cluster.authentication_mode
        conflicts = len(plan.with_status(Status.CONFLICT))
        rows.append(
            (
                plan.cluster.name,
                mode.value if mode else "-",
                str(len(plan.with_status(Status.CREATE))),
                str(len(plan.blocked) + conflicts),
                "after apply"
                if plan.can_switch_to_api and plan.api_blockers()
                else ("yes" if plan.can_switch_to_api else "blocked"),
            )
        )
    rows += [(failure.cluster, "-", "-", "-", "failed") for failure in fleet.failures]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines += [f"{f.cluster}: {f.message}" for f in fleet.failures]
    return "\n".join(lines) + "\n"


def apply_text(result: ApplyResult) -> str:
    lines = [f"cluster {result.cluster}{' (dry run: nothing changed)' if result.dry_run else ''}"]
    lines += [
        f"  {o.action.value:16} {o.principal_arn}  {o.detail}".rstrip() for o in result.outcomes
    ]
    summary = [
        ("created", result.count(Action.CREATED)),
        ("would create", result.count(Action.WOULD_CREATE)),
        ("associated", result.count(Action.ASSOCIATED)),
        ("would associate", result.count(Action.WOULD_ASSOCIATE)),
        ("existed", result.count(Action.EXISTED, Action.POLICY_EXISTED)),
        ("conflicts left unchanged", result.count(Action.CONFLICT, Action.POLICY_CONFLICT)),
        ("failed", result.count(Action.FAILED)),
        ("not migratable", len(result.not_migrated)),
        ("not used by EKS", len(result.skipped)),
    ]
    lines.append(", ".join(f"{n} {label}" for label, n in summary if n or label == "created"))
    lines += [f"  not migrated: {u.origin} {u.origin.arn}: {u.reason}" for u in result.not_migrated]
    return "\n".join(lines) + "\n"
