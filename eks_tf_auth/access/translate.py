"""aws-auth -> access entries, exactly: the pure translation (no I/O).

The mappings are read as EKS reads them (`eks_tf_auth.kube.aws_auth`): the last of duplicate
ARNs wins, ARNs compare case-insensitively, invalid keys are dropped, a role ARN with a path or
an assumed-role ARN never matches. Only what EKS honours today is translated; the rest is
reported as skipped (nothing to migrate). Each honoured mapping becomes one access entry, or is
reported as not migratable, with the reason and its line:

- groups with `system:masters`: STANDARD + AmazonEKSClusterAdminPolicy (cluster scope), the
  username kept, any other (custom) groups as Kubernetes groups;
- `system:node:{{EC2PrivateDNSName}}` with system:nodes (and system:bootstrappers): EC2_LINUX,
  or EC2_WINDOWS with `eks:kube-proxy-windows`; no username, groups or policy;
- `system:node:{{SessionName}}` with system:nodes and system:node-proxier: FARGATE_LINUX;
  without system:node-proxier: HYBRID_LINUX;
- only custom groups: STANDARD with those Kubernetes groups and the same username;
- role ARNs get their path from IAM (`RoleLookup`), IAM Identity Center roles included;
- not migratable: other `system:` groups, mapAccounts, service-linked roles, `{{SessionName}}`
  with no ':' before it, other placeholders, reserved username prefixes, node mappings EKS would
  not write, node roles of another account, STS sessions.

Sources: eksctl's access-entry migrator (pkg/actions/accessentry/migrator.go: masters -> the
admin policy, node groups -> the EC2 types, "system" groups refused, mapAccounts refused) and the
EKS User Guide ("Create access entries": node types take a role of the cluster's account;
usernames cannot start with system:, eks:, aws:, amazon:, iam:; {{SessionName}} needs a colon
before it; no service-linked roles; no STS session principals. "Migrating existing aws-auth
ConfigMap entries": the node and Fargate mappings EKS writes). Unlike eksctl, the last of
duplicate ARNs wins (as in EKS), custom groups next to system:masters are kept, and nothing is
skipped without saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from eks_tf_auth.access.model import (
    ADMIN_POLICY,
    ClusterFacts,
    EntryPlan,
    EntryType,
    Existing,
    Mode,
    Origin,
    Plan,
    PolicyPlan,
    Status,
    Unmigrated,
    policy_arn,
)
from eks_tf_auth.errors import InputError
from eks_tf_auth.kube.aws_auth import (
    KINDS,
    MAP_ACCOUNTS,
    MAP_ROLES,
    MAP_USERS,
    RESERVED_PREFIXES,
    SSO_PATH,
    SYSTEM_MASTERS,
    SYSTEM_PREFIX,
    AwsAuth,
    Entry,
    Finding,
    validate,
)

EC2_USERNAME: Final = "system:node:{{EC2PrivateDNSName}}"
SESSION_USERNAME: Final = "system:node:{{SessionName}}"
NODES: Final = "system:nodes"
BOOTSTRAPPERS: Final = "system:bootstrappers"
NODE_PROXIER: Final = "system:node-proxier"
WINDOWS: Final = "eks:kube-proxy-windows"
NODE_MARKS: Final = frozenset({NODES, BOOTSTRAPPERS, NODE_PROXIER})
SESSION_PLACEHOLDERS: Final = ("{{SessionName}}", "{{SessionNameRaw}}")
SSO_ROLE_PREFIX: Final = "AWSReservedSSO_"
SERVICE_LINKED_PREFIX: Final = "AWSServiceRoleFor"
SERVICE_LINKED_PATH: Final = "/aws-service-role/"
# validate()'s codes for an entry EKS never uses, best explanation first
_UNUSED_CODES: Final = (
    "duplicate-arn",
    "shadowed-by-role",
    "sso-path",
    "role-arn-path",
    "assumed-role-arn",
    "invalid-arn",
)
# Not migrated, yet nothing EKS lets in today is lost: these keep no cluster from API mode.
SKIPPED_CODES: Final = frozenset({*_UNUSED_CODES, "unused", "ignored", "no-such-role"})
# validate()'s codes for data keys (and mapAccounts items) EKS reads nothing from
_KEY_CODES: Final = (
    "invalid-yaml",
    "json-object",
    "not-a-list",
    "data-key-case",
    "unknown-data-key",
)
_ACCOUNT_CODES: Final = ("invalid-account", "wrong-type")
_KEY_ORDER: Final = {MAP_ROLES: 0, MAP_USERS: 1, MAP_ACCOUNTS: 2}
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
_ARN = re.compile(r"arn:([^:]+):(iam|sts)::(\d{12}):(\S+)", re.ASCII)


@dataclass(frozen=True)
class RoleLookup:
    """What IAM says about a role aws-auth names: its ARN with the path (None: no such role), or
    `checked=False` with the reason it was not asked."""

    arn: str | None
    checked: bool = True
    reason: str | None = None

    @property
    def path(self) -> str:
        parts = (self.arn or "").split(":", 5)[-1].split("/")
        return "/" + "".join(f"{p}/" for p in parts[1:-1])


@dataclass(frozen=True)
class _Principal:
    partition: str
    account: str
    kind: str  # role, user, root; federated-user or assumed-role for STS sessions
    name: str


def _principal(arn: str) -> _Principal | None:
    match = _ARN.fullmatch(arn)
    if match is None:
        return None
    resource = match[4]
    return _Principal(match[1], match[3], resource.split("/", 1)[0], resource.rsplit("/", 1)[-1])


def roles_to_look_up(data: Mapping[str, str]) -> list[str]:
    """The role ARNs (as aws-auth writes them, without a path) of the mappings EKS honours, once
    each: IAM GetRole restores their paths."""
    found: dict[str, str] = {}
    for entry in _honoured(AwsAuth.parse(data)):
        principal = _principal(entry.arn)
        if principal is not None and principal.kind == "role":
            found.setdefault(entry.arn.lower(), entry.arn)
    return list(found.values())


def translate(
    data: Mapping[str, str],
    *,
    source: str,
    cluster: ClusterFacts | None,
    roles: Mapping[str, RoleLookup] | None = None,
) -> Plan:
    """The plan for this aws-auth data. `roles` maps role ARNs (as aws-auth writes them; case
    does not matter) to what IAM says; a role missing from it was not looked up (offline)."""
    auth = AwsAuth.parse(data)
    findings = validate(data)
    lookups = {k.lower(): v for k, v in (roles or {}).items()}
    entries: list[EntryPlan] = []
    blocked: list[Unmigrated] = []
    skipped: list[Unmigrated] = list(_key_findings(findings))
    honoured = {(e.kind, e.index) for e in _honoured(auth)}
    variants = _case_variants(auth)
    for kind in KINDS:
        for entry in auth.entries(kind):
            origin = Origin(kind, entry.line, entry.arn)
            where = (entry.kind, entry.index)
            variant = variants.get(where)
            result: EntryPlan | Unmigrated
            if entry.ignored:
                result = Unmigrated(origin, "ignored", f"EKS ignores it: {entry.ignored}")
            elif not entry.arn:
                result = Unmigrated(
                    origin,
                    "sso-matcher",
                    "it matches IAM Identity Center roles by permission set ('sso'), an access "
                    "entry names one role: map the AWSReservedSSO_<set>_<suffix> role by its ARN",
                )
            elif variant is not None:
                result = variant
            elif where in honoured or where in variants:
                result = _classify(entry, lookups, cluster)
            else:
                result = _unused(findings, entry)
            if isinstance(result, EntryPlan):
                entries.append(result)
            else:
                (skipped if result.code in SKIPPED_CODES else blocked).append(result)
    blocked.extend(_accounts(auth, findings))
    return Plan(
        source=source,
        cluster=cluster,
        entries=tuple(entries),
        blocked=tuple(blocked),
        skipped=tuple(
            sorted(skipped, key=lambda u: (_KEY_ORDER.get(u.origin.key, 3), u.origin.line))
        ),
        notes=tuple(_mode_notes(cluster)),
    )


def reconcile(plan: Plan, existing: Mapping[str, Existing]) -> Plan:
    """The plan against the cluster's current access entries (keyed by principal ARN; case does
    not matter): each entry and association is to create, exists as planned, or conflicts."""
    found = {k.lower(): v for k, v in existing.items()}
    entries = []
    for entry in plan.entries:
        current = found.get(entry.principal_arn.lower())
        if current is None:
            entries.append(replace(entry, status=Status.CREATE, detail=None))
            continue
        difference = entry_difference(entry, current)
        planned = {p.arn for p in entry.policies}
        kept = [
            f"the entry also has {arn.rsplit('/', 1)[-1]} ({scope} scope), which stays"
            for arn, scope in current.policies
            if arn not in planned
        ]
        entries.append(
            replace(
                entry,
                status=Status.CONFLICT if difference else Status.EXISTS,
                detail=difference,
                policies=tuple(policy_state(p, current) for p in entry.policies),
                notes=tuple(dict.fromkeys((*entry.notes, *kept))),
            )
        )
    return replace(plan, entries=tuple(entries), entries_checked=True)


def entry_difference(entry: EntryPlan, current: Existing) -> str | None:
    """How an existing entry differs from the planned one (None: as planned)."""
    if current.type != entry.type.value:
        return (
            f"it exists as a {current.type} entry, aws-auth makes it {entry.type.value} "
            "(an entry's type cannot change)"
        )
    if entry.type.is_node:
        return None
    if entry.username is not None and current.username != entry.username:
        return f"its username is {current.username!r}, aws-auth gives {entry.username!r}"
    if set(current.groups) != set(entry.groups):
        return (
            f"its Kubernetes groups are {_listed(current.groups)}, aws-auth gives "
            f"{_listed(entry.groups)}"
        )
    return None


def policy_state(policy: PolicyPlan, current: Existing) -> PolicyPlan:
    """The association against the entry's current ones."""
    for arn, scope in current.policies:
        if arn == policy.arn:
            if scope.same(policy.scope):
                return replace(policy, status=Status.EXISTS, detail=None)
            return replace(
                policy,
                status=Status.CONFLICT,
                detail=f"it is associated with {scope} scope, aws-auth needs {policy.scope}",
            )
    return replace(policy, status=Status.CREATE, detail=None)


# --- what EKS honours ----------------------------------------------------------------------------


def _honoured(auth: AwsAuth) -> Iterator[Entry]:
    """The entries EKS maps some caller to."""
    for kind in KINDS:
        for entry in auth.entries(kind):
            if entry.ignored or not entry.arn:
                continue
            try:
                found = auth.match(entry.arn)
            except InputError:  # not an IAM identity ARN: no caller has it
                continue
            if found is not None and (found.kind, found.index) == (entry.kind, entry.index):
                yield entry


def _case_variants(auth: AwsAuth) -> dict[tuple[str, int], Unmigrated | None]:
    """A user written in several cases: EKS keeps each and uses either. One entry when they map
    the same (None marks the one migrated), else none of them (ambiguous)."""
    winners = {e.arn: e for e in auth.entries(MAP_USERS) if not e.ignored and e.arn}
    groups: dict[str, list[Entry]] = {}
    for e in winners.values():
        try:
            found = auth.match(e.arn)
        except InputError:  # not an IAM identity ARN: no caller has it
            continue
        if found is not None and found.kind == MAP_USERS:  # not under a role mapping's shadow
            groups.setdefault(e.arn.lower(), []).append(e)
    outcome: dict[tuple[str, int], Unmigrated | None] = {}
    for same in (g for g in groups.values() if len(g) > 1):
        last = max(same, key=lambda e: e.index)
        agree = len({(e.username, frozenset(e.groups)) for e in same}) == 1
        lines = ", ".join(str(e.line) for e in same)
        for e in same:
            origin = Origin(e.kind, e.line, e.arn)
            if not agree:
                outcome[(e.kind, e.index)] = Unmigrated(
                    origin,
                    "ambiguous-user",
                    f"the user is written in {len(same)} cases (lines {lines}) with different "
                    "mappings, and EKS uses either: keep one",
                )
            elif e is not last:
                outcome[(e.kind, e.index)] = Unmigrated(
                    origin,
                    "duplicate-arn",
                    f"the same user as line {last.line} (the ARNs differ only in case), mapped "
                    "the same: migrated once, from there",
                )
            else:
                outcome[(e.kind, e.index)] = None
    return outcome


def _unused(findings: Sequence[Finding], entry: Entry) -> Unmigrated:
    """Why EKS maps no caller to this entry, in validate()'s words."""
    at = [f for f in findings if (f.key, f.line) == (entry.kind, entry.line)]
    code, reason = next(
        ((f.code, f.message) for code in _UNUSED_CODES for f in at if f.code == code),
        ("unused", "no caller can match it"),
    )
    return Unmigrated(Origin(entry.kind, entry.line, entry.arn), code, reason)


def _key_findings(findings: Sequence[Finding]) -> Iterator[Unmigrated]:
    """Data keys EKS reads nothing from, and mapAccounts items that match no one."""
    for f in findings:
        if f.code in _KEY_CODES or (f.key == MAP_ACCOUNTS and f.code in _ACCOUNT_CODES):
            yield Unmigrated(Origin(f.key, f.line, ""), f.code, f.message)


def _accounts(auth: AwsAuth, findings: Sequence[Finding]) -> Iterator[Unmigrated]:
    valid = [a for a in auth.accounts if re.fullmatch(r"[0-9]{12}", a)]
    lines = [f.line for f in findings if (f.key, f.code) == (MAP_ACCOUNTS, "account-allowed")]
    for account, line in zip(valid, lines, strict=True):
        yield Unmigrated(
            Origin(MAP_ACCOUNTS, line, account),
            "map-accounts",
            f"every IAM identity of account {account} that no mapping names gets in (as its ARN, "
            "with no groups); access entries name principals one by one",
        )


def _mode_notes(cluster: ClusterFacts | None) -> Iterator[str]:
    mode = None if cluster is None else cluster.authentication_mode
    if mode is Mode.CONFIG_MAP:
        yield (
            "the cluster is in CONFIG_MAP mode: switch it to API_AND_CONFIG_MAP (access-entries "
            "set-mode) before apply; EKS then creates the entries of managed node groups and "
            "Fargate profiles itself, so plan again after the switch"
        )
    elif mode is Mode.API:
        yield "the cluster is in API mode: EKS no longer reads aws-auth"


# --- one mapping -> one entry --------------------------------------------------------------------


def _classify(
    entry: Entry, lookups: Mapping[str, RoleLookup], cluster: ClusterFacts | None
) -> EntryPlan | Unmigrated:
    """A mapping EKS honours -> its access entry, or why it cannot have one."""
    origin = Origin(entry.kind, entry.line, entry.arn)
    principal = _principal(entry.arn)
    if principal is None:
        return Unmigrated(
            origin, "invalid-arn", f"{entry.arn} is not an IAM principal: no caller can match it"
        )
    if principal.kind not in ("role", "user", "root"):
        return Unmigrated(
            origin,
            "sts-session",
            f"{entry.arn} is an STS session, not an IAM principal: access entries take IAM roles "
            "and users",
        )
    lookup = lookups.get(entry.arn.lower()) if principal.kind == "role" else None
    if lookup is not None and lookup.checked and lookup.arn is None:
        return Unmigrated(
            origin,
            "no-such-role",
            f"IAM has no role {principal.name} in account {principal.account}: the mapping lets "
            "no one in, and an access entry needs an existing role",
        )
    if principal.kind == "role" and (
        principal.name.startswith(SERVICE_LINKED_PREFIX)
        or (lookup is not None and lookup.path.startswith(SERVICE_LINKED_PATH))
    ):
        return Unmigrated(
            origin,
            "service-linked-role",
            f"{principal.name} is a service-linked role, which access entries do not support",
        )
    arn = lookup.arn if lookup is not None and lookup.arn else entry.arn
    checked = lookup is not None and lookup.checked
    notes = list(_path_notes(principal, lookup)) if principal.kind == "role" else []
    groups = tuple(dict.fromkeys(entry.groups))
    if entry.username in (EC2_USERNAME, SESSION_USERNAME) or NODE_MARKS & set(groups):
        return _node(entry, origin, principal, arn, checked, notes, cluster)
    system = [g for g in groups if g.startswith(SYSTEM_PREFIX) and g != SYSTEM_MASTERS]
    if system:
        return Unmigrated(
            origin,
            "system-group",
            f"the groups {_listed(system)}: access entries carry no Kubernetes system groups "
            f"(only {SYSTEM_MASTERS}, which becomes {ADMIN_POLICY})",
        )
    problem = _username_problem(entry.username or "")
    if problem is not None:
        return Unmigrated(origin, *problem)
    if not entry.username:
        notes.append(
            "aws-auth gives no username (EKS passes an empty name): the entry takes EKS's "
            "default, made from the caller's ARN"
        )
    if any(not g.strip() for g in groups):
        notes.append("empty group names are left out: RBAC bindings cannot name them")
    partition = (cluster.partition if cluster else None) or principal.partition
    masters = SYSTEM_MASTERS in groups
    return EntryPlan(
        principal_arn=arn,
        origin=origin,
        type=EntryType.STANDARD,
        username=entry.username or None,
        groups=tuple(g for g in groups if g != SYSTEM_MASTERS and g.strip()),
        policies=(PolicyPlan(policy_arn(ADMIN_POLICY, partition)),) if masters else (),
        iam_checked=checked,
        notes=tuple(notes),
    )


def _node(
    entry: Entry,
    origin: Origin,
    principal: _Principal,
    arn: str,
    checked: bool,
    notes: list[str],
    cluster: ClusterFacts | None,
) -> EntryPlan | Unmigrated:
    node = _node_type(entry.username, set(entry.groups))
    if node is None:
        return Unmigrated(
            origin,
            "node-mapping",
            f"the username {entry.username!r} with the groups {_listed(entry.groups)} is none of "
            f"the node mappings ({EC2_USERNAME} with {NODES}, {BOOTSTRAPPERS} and for Windows "
            f"{WINDOWS}; {SESSION_USERNAME} with {NODES}, {BOOTSTRAPPERS} and for Fargate "
            f"{NODE_PROXIER}), which node entries stand for",
        )
    if principal.kind != "role":
        return Unmigrated(origin, "node-not-a-role", f"a {node.value} entry takes an IAM role")
    account = cluster.account if cluster else None
    if account is not None and principal.account != account:
        return Unmigrated(
            origin,
            "node-other-account",
            f"a {node.value} entry takes a role of the cluster's account ({account}), not of "
            f"{principal.account}",
        )
    return EntryPlan(arn, origin, node, iam_checked=checked, notes=tuple(notes))


def _node_type(username: str | None, groups: set[str]) -> EntryType | None:
    if NODES not in groups:
        return None
    if username == EC2_USERNAME and groups <= {BOOTSTRAPPERS, NODES, WINDOWS}:
        return EntryType.EC2_WINDOWS if WINDOWS in groups else EntryType.EC2_LINUX
    if username == SESSION_USERNAME and groups <= {BOOTSTRAPPERS, NODES, NODE_PROXIER}:
        return EntryType.FARGATE_LINUX if NODE_PROXIER in groups else EntryType.HYBRID_LINUX
    return None


def _username_problem(username: str) -> tuple[str, str] | None:
    prefixes = (SYSTEM_PREFIX, *RESERVED_PREFIXES)
    for prefix in prefixes:
        if username.startswith(prefix):
            return (
                "reserved-username",
                f"the username {username!r} starts with {prefix!r}, which access entries refuse "
                f"({', '.join(prefixes)})",
            )
    for match in _PLACEHOLDER.finditer(username):
        if match[0] not in SESSION_PLACEHOLDERS:
            return (
                "username-placeholder",
                f"{match[0]} in the username {username!r}: access entries fill in only "
                f"{' and '.join(SESSION_PLACEHOLDERS)}",
            )
        if ":" not in username[: match.start()]:
            return (
                "session-name-without-colon",
                f"{match[0]} in the username {username!r} has no ':' before it, which access "
                "entries require",
            )
    return None


def _path_notes(principal: _Principal, lookup: RoleLookup | None) -> Iterator[str]:
    if lookup is not None and lookup.checked:
        if lookup.path != "/":
            yield f"the path {lookup.path} comes from IAM (aws-auth cannot hold it)"
        return
    why = lookup.reason if lookup is not None and lookup.reason else "not looked up in IAM"
    if principal.name.startswith(SSO_ROLE_PREFIX):
        yield (
            f"an IAM Identity Center role's ARN has a path under /{SSO_PATH} ({why}): plan "
            "against the cluster to restore it"
        )
    else:
        yield f"the role's path is not checked ({why}): the entry needs it, if the role has one"


def _listed(groups: Sequence[str]) -> str:
    return "[" + ", ".join(groups) + "]" if groups else "none"
