"""The migration plan: what becomes an access entry, what cannot move and why, what EKS does not
use today, and the cluster it was planned against; with a stable JSON form (`to_json` /
`from_json`, version `PLAN_VERSION`) that `--plan plan.json` reads back, checking every value as
input (a plan file may have been edited by hand).

Facts about EKS, with where they are written down:
- Entry types, usernames, groups, policies: botocore's EKS model (`CreateAccessEntry`,
  `AssociateAccessPolicy`) and the EKS User Guide, "Create access entries".
- Policy names: the EKS User Guide, "Review access policy permissions" (`ListAccessPolicies` is
  the live list; `KNOWN_POLICIES` is used offline).
- Which platform versions have access entries: the EKS User Guide, "Change authentication mode
  to use access entries" (`MIN_PLATFORM`).
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, cast

from eks_tf_auth import validate
from eks_tf_auth.errors import InputError

PLAN_VERSION: Final = 1
ADMIN_POLICY: Final = "AmazonEKSClusterAdminPolicy"
KNOWN_POLICIES: Final = (
    "AmazonAIOpsAssistantPolicy",
    "AmazonARCRegionSwitchScalingPolicy",
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSClusterInsightsPolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSViewPolicy",
)
# Kubernetes minor version -> the first platform version (eks.N) with access entries; later
# Kubernetes versions have them on every platform version.
MIN_PLATFORM: Final = {
    (1, 23): 17,
    (1, 24): 15,
    (1, 25): 12,
    (1, 26): 11,
    (1, 27): 10,
    (1, 28): 6,
    (1, 29): 1,
    (1, 30): 2,
}
PRINCIPAL_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:root|(?:role|user)/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,128})",
    re.ASCII,
)
POLICY_ARN = re.compile(
    r"arn:(aws(?:-[a-z]+)*):eks::aws:cluster-access-policy/([A-Za-z0-9]{1,128})", re.ASCII
)
NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", re.ASCII)
MAX_TEXT = 1024  # usernames, groups, notes: far more than EKS takes


class EntryType(str, enum.Enum):
    """Access entry types (CreateAccessEntry `type`) that an aws-auth mapping can become."""

    STANDARD = "STANDARD"
    EC2_LINUX = "EC2_LINUX"
    EC2_WINDOWS = "EC2_WINDOWS"
    FARGATE_LINUX = "FARGATE_LINUX"
    HYBRID_LINUX = "HYBRID_LINUX"

    @property
    def is_node(self) -> bool:
        return self is not EntryType.STANDARD


class Mode(str, enum.Enum):
    """accessConfig.authenticationMode."""

    CONFIG_MAP = "CONFIG_MAP"
    API_AND_CONFIG_MAP = "API_AND_CONFIG_MAP"
    API = "API"

    @property
    def has_api(self) -> bool:
        return self is not Mode.CONFIG_MAP


class Status(str, enum.Enum):
    """Where an entry or a policy association stands against the cluster's current ones."""

    CREATE = "create"  # not there yet: apply creates (or associates) it
    EXISTS = "exists"  # there, as the plan says: Terraform imports it
    CONFLICT = "conflict"  # there, but different: reported, never changed


ScopeType = Literal["cluster", "namespace"]


@dataclass(frozen=True)
class Origin:
    """Where a mapping is in aws-auth: the data key, the 1-based line in that key's text, and the
    ARN as written (the account for mapAccounts; "" where there is none)."""

    key: str
    line: int
    arn: str

    def __str__(self) -> str:
        return f"{self.key} line {self.line}"


@dataclass(frozen=True)
class Scope:
    type: ScopeType = "cluster"
    namespaces: tuple[str, ...] = ()

    def same(self, other: Scope) -> bool:
        return self.type == other.type and set(self.namespaces) == set(other.namespaces)

    def __str__(self) -> str:
        return "cluster" if self.type == "cluster" else f"namespaces {', '.join(self.namespaces)}"


CLUSTER_SCOPE: Final = Scope()


@dataclass(frozen=True)
class PolicyPlan:
    arn: str
    scope: Scope = CLUSTER_SCOPE
    status: Status = Status.CREATE
    detail: str | None = None  # why it conflicts

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class EntryPlan:
    """One access entry: the principal (role paths restored), its type, username (None: EKS's
    default), Kubernetes groups and access policies."""

    principal_arn: str
    origin: Origin
    type: EntryType
    username: str | None = None
    groups: tuple[str, ...] = ()
    policies: tuple[PolicyPlan, ...] = ()
    status: Status = Status.CREATE
    iam_checked: bool = False  # the principal ARN is IAM's (GetRole), not only as aws-auth wrote it
    notes: tuple[str, ...] = ()
    detail: str | None = None  # why it conflicts


@dataclass(frozen=True)
class Unmigrated:
    """A mapping that does not become an access entry, and why."""

    origin: Origin
    code: str
    reason: str


@dataclass(frozen=True)
class ClusterFacts:
    name: str
    region: str | None = None
    arn: str | None = None
    kubernetes_version: str | None = None
    platform_version: str | None = None
    authentication_mode: Mode | None = None  # None: not reported (or not described)
    described: bool = False  # False: only named (--offline)

    @property
    def account(self) -> str | None:
        parts = (self.arn or "").split(":")
        return parts[4] if len(parts) > 5 and parts[4] else None

    @property
    def partition(self) -> str | None:
        parts = (self.arn or "").split(":")
        return parts[1] if len(parts) > 5 and parts[1] else None

    @property
    def supports_access_entries(self) -> bool | None:
        """Whether the cluster has the access-entry API; None where that cannot be told."""
        if not self.described:
            return None
        if self.authentication_mode is not None and self.authentication_mode.has_api:
            return True
        return platform_supports(self.kubernetes_version, self.platform_version)


def platform_supports(version: str | None, platform: str | None) -> bool | None:
    """The EKS User Guide's table: None when the versions do not say."""
    match = re.fullmatch(r"(\d+)\.(\d+)", version or "")
    if match is None:
        return None
    minor = (int(match[1]), int(match[2]))
    if minor > max(MIN_PLATFORM):
        return True
    if minor < min(MIN_PLATFORM):
        return False
    number = re.fullmatch(r"eks\.(\d+)", platform or "")
    return None if number is None else int(number[1]) >= MIN_PLATFORM[minor]


@dataclass(frozen=True)
class Existing:
    """An access entry the cluster already has, with its associated policies."""

    principal_arn: str
    type: str
    username: str | None
    groups: tuple[str, ...]
    policies: tuple[tuple[str, Scope], ...] = ()


@dataclass(frozen=True)
class Plan:
    source: str  # where the aws-auth data came from
    cluster: ClusterFacts | None
    entries: tuple[EntryPlan, ...] = ()
    blocked: tuple[Unmigrated, ...] = ()  # cannot migrate: EKS honours them, no entry can
    skipped: tuple[Unmigrated, ...] = ()  # EKS does not use them today: nothing to migrate
    entries_checked: bool = False  # compared with the cluster's current access entries
    notes: tuple[str, ...] = ()

    def with_status(self, status: Status) -> tuple[EntryPlan, ...]:
        return tuple(e for e in self.entries if e.status is status)

    @property
    def can_switch_to_api(self) -> bool:
        """Whether, once the plan is applied, nothing that EKS honours in aws-auth is left out."""
        return not self.blocked and not any(
            e.status is Status.CONFLICT or any(p.status is Status.CONFLICT for p in e.policies)
            for e in self.entries
        )

    def api_blockers(self) -> list[str]:
        """What switching to API now would cut off, one line each."""
        found = [f"{u.origin} ({u.origin.arn}): {u.reason}" for u in self.blocked]
        for e in self.entries:
            if e.status is Status.CONFLICT:
                found.append(f"{e.principal_arn}: {e.detail}")
            elif e.status is Status.CREATE:
                found.append(f"{e.principal_arn}: has no access entry yet")
            for p in e.policies:
                if e.status is Status.CONFLICT:
                    continue
                if p.status is Status.CONFLICT:
                    found.append(f"{e.principal_arn}: {p.name}: {p.detail}")
                elif p.status is Status.CREATE and e.status is Status.EXISTS:
                    found.append(f"{e.principal_arn}: {p.name} is not associated yet")
        return found

    def to_json(self) -> dict[str, object]:
        return {
            "version": PLAN_VERSION,
            "source": self.source,
            "cluster": None if self.cluster is None else _cluster_json(self.cluster),
            "entries_checked": self.entries_checked,
            "summary": {
                "create": len(self.with_status(Status.CREATE)),
                "exists": len(self.with_status(Status.EXISTS)),
                "conflict": len(self.with_status(Status.CONFLICT)),
                "blocked": len(self.blocked),
                "skipped": len(self.skipped),
                "can_switch_to_api": self.can_switch_to_api,
            },
            "notes": list(self.notes),
            "entries": [_entry_json(e) for e in self.entries],
            "not_migrated": [_unmigrated_json(u) for u in self.blocked],
            "skipped": [_unmigrated_json(u) for u in self.skipped],
        }

    @classmethod
    def from_json(cls, data: object, *, name: str = "the plan") -> Plan:
        """A plan read back; every value is checked, and the first bad one is an InputError
        naming where it is (`summary` is derived, and ignored)."""
        return _Reader(name).plan(data)


def policy_arn(name_or_arn: str, partition: str = "aws") -> str:
    """An access policy's ARN from its name or ARN; InputError for one EKS does not have."""
    match = POLICY_ARN.fullmatch(name_or_arn)
    name = match[2] if match else name_or_arn
    if name not in KNOWN_POLICIES:
        close = difflib.get_close_matches(name, KNOWN_POLICIES, n=1)
        raise InputError(
            f"unknown access policy {validate.quoted(name_or_arn)}",
            hint=f"did you mean {close[0]}?"
            if close
            else "see 'aws eks list-access-policies' for the names EKS has",
        )
    return f"arn:{match[1] if match else partition}:eks::aws:cluster-access-policy/{name}"


def principal_arn(value: str) -> str:
    if not PRINCIPAL_ARN.fullmatch(value):
        raise InputError(
            f"invalid principal ARN {validate.quoted(value)}",
            hint="an IAM role or user ARN, e.g. arn:aws:iam::111122223333:role/NAME",
        )
    return value


# --- JSON ----------------------------------------------------------------------------------------


def _origin_json(origin: Origin) -> dict[str, object]:
    return {"key": origin.key, "line": origin.line, "arn": origin.arn}


def _cluster_json(c: ClusterFacts) -> dict[str, object]:
    return {
        "name": c.name,
        "region": c.region,
        "arn": c.arn,
        "kubernetes_version": c.kubernetes_version,
        "platform_version": c.platform_version,
        "authentication_mode": None
        if c.authentication_mode is None
        else c.authentication_mode.value,
        "described": c.described,
        "supports_access_entries": c.supports_access_entries,
    }


def _entry_json(e: EntryPlan) -> dict[str, object]:
    return {
        "principal_arn": e.principal_arn,
        "type": e.type.value,
        "username": e.username,
        "kubernetes_groups": list(e.groups),
        "policies": [
            {
                "policy_arn": p.arn,
                "access_scope": {"type": p.scope.type, "namespaces": list(p.scope.namespaces)},
                "status": p.status.value,
                "detail": p.detail,
            }
            for p in e.policies
        ],
        "status": e.status.value,
        "iam_checked": e.iam_checked,
        "notes": list(e.notes),
        "detail": e.detail,
        "aws_auth": _origin_json(e.origin),
    }


def _unmigrated_json(u: Unmigrated) -> dict[str, object]:
    return {"aws_auth": _origin_json(u.origin), "code": u.code, "reason": u.reason}


class _Reader:
    """Reads a plan's JSON form, naming the path of the first bad value."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, where: str, problem: str, hint: str | None = None) -> InputError:
        return InputError(
            f"{self.name}: {where}: {problem}",
            hint=hint or "write the plan with 'eks-tf-auth access-entries plan --output json'",
        )

    def obj(self, value: object, where: str, keys: Sequence[str]) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(where, "not a JSON object")
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r}")
        return cast("Mapping[str, object]", value)

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise self.fail(where, f"not a string of at most {MAX_TEXT} characters")
        return value

    def optional(self, value: object, where: str) -> str | None:
        return None if value is None else self.text(value, where)

    def texts(self, value: object, where: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(where, "not a list")
        return tuple(self.text(v, f"{where}[{n}]") for n, v in enumerate(value))

    def flag(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "not true or false")
        return value

    def choice(self, value: object, where: str, choices: type[enum.Enum]) -> str:
        names = [str(c.value) for c in choices]
        if value not in names:
            raise self.fail(where, f"{value!r} is not one of {', '.join(names)}")
        return value

    def checked(self, check: Callable[[str], str], value: str, where: str) -> str:
        try:
            return check(value)
        except InputError as e:
            raise self.fail(where, e.message, e.hint) from e

    def plan(self, data: object) -> Plan:
        keys = ("version", "source", "cluster", "entries_checked", "summary", "notes")
        top = self.obj(data, "the top level", (*keys, "entries", "not_migrated", "skipped"))
        if top.get("version") != PLAN_VERSION:
            raise self.fail(
                "version",
                f"{top.get('version')!r} is not {PLAN_VERSION}",
                hint="plan again with this version of eks-tf-auth",
            )
        cluster = None if top.get("cluster") is None else self.cluster(top["cluster"])
        partition = (cluster.partition if cluster else None) or "aws"
        entries = tuple(
            self.entry(e, f"entries[{n}]", partition)
            for n, e in enumerate(self.list(top.get("entries", []), "entries"))
        )
        seen: dict[str, int] = {}
        for n, e in enumerate(entries):
            first = seen.setdefault(e.principal_arn.lower(), n)
            if first != n:
                raise self.fail(
                    f"entries[{n}].principal_arn",
                    f"{e.principal_arn} has an entry already (entries[{first}])",
                    hint="a principal has one access entry: merge the two",
                )
        return Plan(
            source=self.text(top.get("source", ""), "source"),
            cluster=cluster,
            entries=entries,
            blocked=tuple(
                self.unmigrated(u, f"not_migrated[{n}]")
                for n, u in enumerate(self.list(top.get("not_migrated", []), "not_migrated"))
            ),
            skipped=tuple(
                self.unmigrated(u, f"skipped[{n}]")
                for n, u in enumerate(self.list(top.get("skipped", []), "skipped"))
            ),
            entries_checked=self.flag(top.get("entries_checked", False), "entries_checked"),
            notes=self.texts(top.get("notes", []), "notes"),
        )

    def list(self, value: object, where: str) -> list[object]:
        if not isinstance(value, list):
            raise self.fail(where, "not a list")
        return value

    def cluster(self, value: object) -> ClusterFacts:
        keys = (
            "name",
            "region",
            "arn",
            "kubernetes_version",
            "platform_version",
            "authentication_mode",
            "described",
            "supports_access_entries",
        )
        c = self.obj(value, "cluster", keys)
        region = self.optional(c.get("region"), "cluster.region")
        mode = c.get("authentication_mode")
        return ClusterFacts(
            name=self.checked(
                validate.cluster_name, self.text(c.get("name"), "cluster.name"), "cluster.name"
            ),
            region=None
            if region is None
            else self.checked(validate.region, region, "cluster.region"),
            arn=self.optional(c.get("arn"), "cluster.arn"),
            kubernetes_version=self.optional(
                c.get("kubernetes_version"), "cluster.kubernetes_version"
            ),
            platform_version=self.optional(c.get("platform_version"), "cluster.platform_version"),
            authentication_mode=None
            if mode is None
            else Mode(self.choice(mode, "cluster.authentication_mode", Mode)),
            described=self.flag(c.get("described", False), "cluster.described"),
        )

    def origin(self, value: object, where: str) -> Origin:
        o = self.obj(value, where, ("key", "line", "arn"))
        line = o.get("line")
        if not isinstance(line, int) or isinstance(line, bool) or line < 1:
            raise self.fail(f"{where}.line", "not a line number")
        return Origin(
            self.text(o.get("key"), f"{where}.key"),
            line,
            self.text(o.get("arn", ""), f"{where}.arn"),
        )

    def unmigrated(self, value: object, where: str) -> Unmigrated:
        u = self.obj(value, where, ("aws_auth", "code", "reason"))
        return Unmigrated(
            self.origin(u.get("aws_auth"), f"{where}.aws_auth"),
            self.text(u.get("code"), f"{where}.code"),
            self.text(u.get("reason"), f"{where}.reason"),
        )

    def entry(self, value: object, where: str, partition: str) -> EntryPlan:
        keys = (
            "principal_arn",
            "type",
            "username",
            "kubernetes_groups",
            "policies",
            "status",
            "iam_checked",
            "notes",
            "detail",
            "aws_auth",
        )
        e = self.obj(value, where, keys)
        kind = EntryType(self.choice(e.get("type", "STANDARD"), f"{where}.type", EntryType))
        username = self.optional(e.get("username"), f"{where}.username")
        groups = self.texts(e.get("kubernetes_groups", []), f"{where}.kubernetes_groups")
        policies = tuple(
            self.policy(p, f"{where}.policies[{n}]", partition)
            for n, p in enumerate(self.list(e.get("policies", []), f"{where}.policies"))
        )
        if kind.is_node and (username is not None or groups or policies):
            raise self.fail(
                where,
                f"a {kind.value} entry takes no username, groups or policies",
                hint="EKS sets them for node types: remove them, or make the entry STANDARD",
            )
        for n, group in enumerate(groups):
            if not group.strip() or group.startswith("system:"):
                raise self.fail(
                    f"{where}.kubernetes_groups[{n}]",
                    f"{group!r} cannot be an access entry's group",
                    hint="groups are non-empty and do not start with 'system:'",
                )
        names = [p.name for p in policies]
        if len(set(names)) != len(names):
            raise self.fail(f"{where}.policies", "a policy is given twice")
        return EntryPlan(
            principal_arn=self.checked(
                principal_arn,
                self.text(e.get("principal_arn"), f"{where}.principal_arn"),
                f"{where}.principal_arn",
            ),
            origin=self.origin(e.get("aws_auth"), f"{where}.aws_auth"),
            type=kind,
            username=username,
            groups=groups,
            policies=policies,
            status=Status(self.choice(e.get("status", "create"), f"{where}.status", Status)),
            iam_checked=self.flag(e.get("iam_checked", False), f"{where}.iam_checked"),
            notes=self.texts(e.get("notes", []), f"{where}.notes"),
            detail=self.optional(e.get("detail"), f"{where}.detail"),
        )

    def policy(self, value: object, where: str, partition: str) -> PolicyPlan:
        p = self.obj(value, where, ("policy_arn", "access_scope", "status", "detail"))
        arn = self.checked(
            lambda v: policy_arn(v, partition),
            self.text(p.get("policy_arn"), f"{where}.policy_arn"),
            f"{where}.policy_arn",
        )
        s = self.obj(
            p.get("access_scope", {"type": "cluster"}),
            f"{where}.access_scope",
            ("type", "namespaces"),
        )
        kind = s.get("type")
        if kind not in ("cluster", "namespace"):
            raise self.fail(f"{where}.access_scope.type", f"{kind!r} is not cluster or namespace")
        namespaces = self.texts(s.get("namespaces", []), f"{where}.access_scope.namespaces")
        if (kind == "namespace") != bool(namespaces):
            raise self.fail(
                f"{where}.access_scope",
                "a namespace scope names namespaces, a cluster scope none",
            )
        for n, namespace in enumerate(namespaces):
            if not NAMESPACE.fullmatch(namespace):
                raise self.fail(
                    f"{where}.access_scope.namespaces[{n}]",
                    f"{validate.quoted(namespace)} is not a Kubernetes namespace name",
                )
        return PolicyPlan(
            arn=arn,
            scope=Scope(kind, namespaces),
            status=Status(self.choice(p.get("status", "create"), f"{where}.status", Status)),
            detail=self.optional(p.get("detail"), f"{where}.detail"),
        )
