"""Edit the EKS `aws-auth` ConfigMap without losing anything: on a live cluster (by name, a
kubeconfig context, or in-cluster) or in a GitOps manifest file. A library first (no printing,
errors are `eks_tf_auth.Error`s), used by the `eks-tf-auth aws-auth` commands and from Lambda:

    from eks_tf_auth import aws_auth

    def handler(event, context):
        with aws_auth.cluster(event["cluster"]) as target:
            result = aws_auth.upsert(
                target, "mapRoles", event["role_arn"], username="ci", groups=["ci-deployers"]
            )
        return {"changed": result.changed}

The model (`eks_tf_auth.kube.aws_auth`) reads the data as EKS does and splices each edit into
the text, so every other key, entry, field and comment stays as it was. Writes to a cluster are
read-modify-write with the resourceVersion: a 409 Conflict re-reads and applies the same edit
again after an exponential, jittered wait; nothing else is retried blindly. A change that changes
nothing writes nothing. Before every write to a cluster, the previous ConfigMap is saved to a
private backup file.
"""

from __future__ import annotations

import contextlib
import os
import random
import stat
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, BinaryIO, Protocol

from eks_tf_auth.errors import InputError, KubeError

if TYPE_CHECKING:
    from eks_tf_auth.kube.aws_auth import AwsAuth, Change, Finding, Kind
    from eks_tf_auth.kube.client import ConfigMaps, Target

__all__ = [
    "NAME",
    "NAMESPACE",
    "ClusterTarget",
    "FileTarget",
    "Result",
    "Retry",
    "cluster",
    "connected",
    "get",
    "open_target",
    "read_manifest",
    "remove",
    "remove_by_username",
    "upsert",
]

NAMESPACE = "kube-system"
NAME = "aws-auth"
BACKUP_DIR_ENV = "EKS_TF_AUTH_BACKUP_DIR"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # a ConfigMap holds at most 1 MiB
_MAX_DOUBLINGS = 64  # the backoff stops doubling long before this; 2.0 ** 1024 overflows


@dataclass(frozen=True)
class Retry:
    """How a write that meets a 409 Conflict is tried again (the Go aws-auth tool's defaults)."""

    enabled: bool = True
    max_count: int = 12
    min_time: float = 0.2  # seconds before the first retry
    max_time: float = 30.0  # the longest wait between two tries

    def __post_init__(self) -> None:
        if self.max_count < 1 or not 0 <= self.min_time <= self.max_time <= 3600:
            raise InputError(
                "retries need a count of at least 1 and 0 <= min time <= max time <= 1 hour",
                hint="e.g. --retry-max-count 12 --retry-min-time 200ms --retry-max-time 30s",
            )

    def delay(self, attempt: int, jitter: Callable[[], float] = random.random) -> float:
        """The wait after the `attempt`-th conflict (1-based): doubling from `min_time`, capped at
        `max_time`, and a random half to all of it, so that writers do not meet again."""
        ceiling = min(self.max_time, self.min_time * 2.0 ** min(attempt - 1, _MAX_DOUBLINGS))
        return float(ceiling * (0.5 + jitter() / 2))


@dataclass(frozen=True)
class Result:
    """What an edit did: its change (empty when nothing changed), the unified diff of the data,
    whether it was written (not on a no-op or a dry run), where the previous ConfigMap was saved,
    and how many conflicting writes it met."""

    change: Change
    diff: str
    written: bool
    backup: str | None = None
    conflicts: int = 0

    @property
    def changed(self) -> bool:
        return self.change.changed


class Source(Protocol):
    """Where the aws-auth data lives."""

    name: str

    def read(self) -> tuple[dict[str, str], str] | None: ...  # data and version; None: missing
    def write(self, data: Mapping[str, str], version: str | None) -> None: ...


class ClusterTarget:
    """The aws-auth ConfigMap of a live cluster (see `cluster` and `connected`)."""

    def __init__(self, configmaps: ConfigMaps, name: str) -> None:
        self._configmaps = configmaps
        self.name = name

    def read(self) -> tuple[dict[str, str], str] | None:
        return self._configmaps.get(NAMESPACE, NAME)

    def write(self, data: Mapping[str, str], version: str | None) -> None:
        if version is None:
            self._configmaps.create(NAMESPACE, NAME, data)
        else:
            self._configmaps.replace(NAMESPACE, NAME, data, version)


class FileTarget:
    """An aws-auth ConfigMap manifest (GitOps), edited in place: comments, key order and the
    formatting of everything untouched kept; written atomically. Only a regular file of at most
    `MAX_MANIFEST_BYTES` is read (a FIFO or a device is refused, never waited on)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = path

    def read(self) -> tuple[dict[str, str], str]:
        from eks_tf_auth.kube.aws_auth import load_manifest

        text = self._text()
        return dict(load_manifest(text).data), text

    def write(self, data: Mapping[str, str], version: str | None) -> None:
        from eks_tf_auth.files import write_atomic
        from eks_tf_auth.kube.aws_auth import load_manifest

        assert version is not None  # read() never finds a file missing
        if self._text() != version:
            raise KubeError(f"{self.path} changed while it was being edited; nothing written")
        write_atomic(self.path, load_manifest(version).with_data(dict(data)).encode())

    def _text(self) -> str:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except OSError as e:
            raise InputError(
                f"cannot read {self.path}: {e.strerror}",
                hint="give the path of the aws-auth ConfigMap manifest",
            ) from e
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise InputError(
                f"{self.path} is not a regular file",
                hint="give the path of the aws-auth ConfigMap manifest",
            )
        with os.fdopen(fd, "rb") as f:
            return _decode(_read_limited(f), self.path)


def read_manifest(stream: BinaryIO, name: str = "<stdin>") -> dict[str, str]:
    """The aws-auth ConfigMap's data from a manifest read from `stream` (`validate -f -`)."""
    from eks_tf_auth.kube.aws_auth import load_manifest

    return dict(load_manifest(_decode(_read_limited(stream), name)).data)


def _read_limited(stream: BinaryIO) -> bytes:
    raw = stream.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise InputError(
            f"the manifest is larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MiB; not read",
            hint="an aws-auth ConfigMap holds at most 1 MiB",
        )
    return raw


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"cannot read {name}: not UTF-8 text") from e


@contextlib.contextmanager
def cluster(
    cluster_name: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    external_id: str | None = None,
    session_name: str | None = None,
    as_user: str | None = None,
    as_groups: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Iterator[ClusterTarget]:
    """The aws-auth ConfigMap of an EKS cluster by name: endpoint and CA from DescribeCluster,
    a token of this identity's own (no kubeconfig, kubectl or AWS CLI)."""
    from eks_tf_auth.kube import client as kube

    with kube.kube_client(
        cluster_name,
        region=region,
        profile=profile,
        role_arn=role_arn,
        external_id=external_id,
        session_name=session_name,
        as_user=as_user,
        as_groups=as_groups,
        environ=environ,
    ) as client:
        yield ClusterTarget(kube.ConfigMaps(client), cluster_name)


@contextlib.contextmanager
def connected(
    target: Target, as_user: str | None, as_groups: Sequence[str], environ: Mapping[str, str]
) -> Iterator[ClusterTarget]:
    """The aws-auth ConfigMap behind a `kube.client.Target` (a kubeconfig context, in-cluster)."""
    from eks_tf_auth.kube import client as kube

    with kube.connect(target, as_user=as_user, as_groups=as_groups, environ=environ) as client:
        yield ClusterTarget(kube.ConfigMaps(client), target.name)


def get(source: Source) -> AwsAuth:
    """The mappings as EKS reads them. A missing ConfigMap is an error, never created."""
    from eks_tf_auth.kube.aws_auth import AwsAuth

    found = source.read()
    if found is None:
        raise KubeError(
            f"there is no {NAMESPACE}/{NAME} ConfigMap in {source.name}",
            hint="a cluster that maps identities only with access entries has none; "
            "'aws-auth upsert --create' makes one",
        )
    return AwsAuth.parse(found[0])


def upsert(
    source: Source,
    kind: Kind,
    arn: str,
    *,
    username: str,
    groups: Sequence[str],
    append: bool = False,
    update_username: bool = True,
    create: bool = False,
    dry_run: bool = False,
    backup_dir: str | None = None,
    retry: Retry = Retry(),
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Map `arn` (a role under mapRoles, a user under mapUsers) to `username` and `groups`, or
    update the mapping EKS would use for it."""
    return _edit(
        source,
        lambda m: m.upsert(
            kind,
            arn,
            username=username,
            groups=groups,
            append=append,
            update_username=update_username,
        ),
        create=create,
        dry_run=dry_run,
        backup_dir=backup_dir,
        retry=retry,
        sleep=sleep,
    )


def remove(
    source: Source,
    kind: Kind,
    arn: str,
    *,
    username: str | None = None,
    groups: Sequence[str] | None = None,
    dry_run: bool = False,
    backup_dir: str | None = None,
    retry: Retry = Retry(),
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Remove the mappings of `arn` (only those with `username` and `groups`, when given).
    `arn` must be an IAM role or user ARN (InputError otherwise, as for a typo: nothing that
    EKS could match is ever lost to one)."""
    from eks_tf_auth.kube.aws_auth import canonical_arn

    canonical_arn(arn)
    return _edit(
        source,
        lambda m: m.remove(kind, arn, username=username, groups=groups),
        create=None,
        dry_run=dry_run,
        backup_dir=backup_dir,
        retry=retry,
        sleep=sleep,
    )


def remove_by_username(
    source: Source,
    username: str,
    *,
    dry_run: bool = False,
    backup_dir: str | None = None,
    retry: Retry = Retry(),
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Remove every mapping to `username` (which must not be empty)."""
    return _edit(
        source,
        lambda m: m.remove_by_username(username),
        create=None,
        dry_run=dry_run,
        backup_dir=backup_dir,
        retry=retry,
        sleep=sleep,
    )


def _edit(
    source: Source,
    edit: Callable[[AwsAuth], tuple[AwsAuth, Change]],
    *,
    create: bool | None,
    dry_run: bool,
    backup_dir: str | None,
    retry: Retry,
    sleep: Callable[[float], None],
) -> Result:
    """Read, edit, write with the version read; on a conflict, again from the read. The edit is
    tried on empty data first, so that bad input fails before anything is read. `create`: None
    where the edit can never create the ConfigMap (a removal)."""
    from eks_tf_auth.kube.aws_auth import AwsAuth, diff
    from eks_tf_auth.kube.client import Conflict

    edit(AwsAuth({}))
    conflicts = 0
    while True:
        found = source.read()
        if found is None and not create:
            raise KubeError(
                f"there is no {NAMESPACE}/{NAME} ConfigMap in {source.name}; nothing to edit",
                hint="pass --create to make one with this mapping"
                if create is not None
                else "there is nothing to remove",
            )
        before, version = found if found is not None else ({}, None)
        edited, change = edit(AwsAuth.parse(before))
        after = edited.to_data()
        text = diff(before, after)
        if not change.changed or dry_run:
            return Result(change, text, written=False, conflicts=conflicts)
        backup = None
        if isinstance(source, ClusterTarget) and found is not None:
            backup = _save_backup(source.name, before, version, backup_dir)
        try:
            source.write(after, version)
        except Conflict:
            conflicts += 1
            if not retry.enabled or conflicts >= retry.max_count:
                raise KubeError(
                    f"the {NAMESPACE}/{NAME} ConfigMap in {source.name} kept changing: "
                    f"{conflicts} conflicting write(s), nothing written",
                    hint="other writers are editing it; try again, or raise --retry-max-count",
                ) from None
            sleep(retry.delay(conflicts))
            continue
        return Result(change, text, written=True, backup=backup, conflicts=conflicts)


def backup_directory(environ: Mapping[str, str]) -> str:
    """Where backups go by default: $EKS_TF_AUTH_BACKUP_DIR, else the user's state directory."""
    if environ.get(BACKUP_DIR_ENV):
        return environ[BACKUP_DIR_ENV]
    state = environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(state):
        state = os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "eks-tf-auth", "aws-auth-backups")


def _save_backup(
    name: str, data: Mapping[str, str], version: str | None, directory: str | None
) -> str:
    """The previous ConfigMap, as a manifest kubectl can apply, in a private file."""
    import json

    from eks_tf_auth.files import write_atomic

    where = directory or backup_directory(os.environ)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:100]
    revision = "".join(c if c.isalnum() else "_" for c in str(version))[:40]  # the server's text
    path = os.path.join(where, f"{safe}-{stamp}-rv{revision}.json")
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": NAME, "namespace": NAMESPACE},
        "data": dict(data),
    }
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
        write_atomic(path, (json.dumps(manifest, indent=2) + "\n").encode(), mode=0o600)
    except OSError as e:
        raise InputError(
            f"cannot save a backup in {where}: {e.strerror}; nothing written",
            hint="pass --backup-dir with a writable directory",
        ) from e
    return path


@contextlib.contextmanager
def open_target(
    *,
    file: str | None = None,
    cluster_name: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    external_id: str | None = None,
    session_name: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    in_cluster: bool = False,
    as_user: str | None = None,
    as_groups: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Iterator[Source]:
    """The one target the options name: a manifest file, a cluster by name, a kubeconfig
    context, or the pod's own cluster; with none of them, kubectl's choice (the in-cluster
    config in a pod without a kubeconfig, else the default kubeconfig's current context)."""
    env = os.environ if environ is None else environ
    named = [
        flag
        for flag, given in (
            ("-f/--file", file is not None),
            ("--cluster-name", cluster_name is not None),
            ("--kubeconfig/--context", kubeconfig is not None or context is not None),
            ("--in-cluster", in_cluster),
        )
        if given
    ]
    if len(named) > 1:
        raise InputError(
            f"{' and '.join(named)} name different targets",
            hint="give one: a manifest file, a cluster name, a kubeconfig context or --in-cluster",
        )
    identity_flags = (region, profile, role_arn, external_id, session_name)
    if cluster_name is None and any(v is not None for v in identity_flags):
        raise InputError(
            "--region, --profile, --role-arn, --external-id and --session-name go with "
            "--cluster-name",
            hint="a kubeconfig context brings its own identity",
        )
    if file is not None:
        if as_user or as_groups:
            raise InputError("--as and --as-group need a cluster, not a file")
        yield FileTarget(file)
        return
    if cluster_name is not None:
        with cluster(
            cluster_name,
            region=region,
            profile=profile,
            role_arn=role_arn,
            external_id=external_id,
            session_name=session_name,
            as_user=as_user,
            as_groups=as_groups,
            environ=env,
        ) as target:
            yield target
        return
    from eks_tf_auth.kube import client as kube

    if in_cluster or (
        kubeconfig is None
        and context is None
        and env.get("KUBERNETES_SERVICE_HOST")
        and not env.get("KUBECONFIG")
        and not os.path.exists(
            os.path.join(env.get("HOME") or os.path.expanduser("~"), ".kube", "config")
        )
    ):
        where = kube.in_cluster_target(environ=env)
    else:
        where = kube.kubeconfig_target(kubeconfig, context, environ=env)
    with connected(where, as_user, as_groups, env) as target:
        yield target


def table(model: AwsAuth) -> str:
    """`aws-auth get`'s table: TYPE ARN USERNAME GROUPS, then the accounts."""
    from eks_tf_auth.kube.aws_auth import KINDS

    rows = [("TYPE", "ARN", "USERNAME", "GROUPS")]
    for kind in KINDS:
        for entry in model.entries(kind):
            note = f"(ignored by EKS: {entry.ignored})" if entry.ignored else ""
            rows.append(
                (
                    "role" if kind == "mapRoles" else "user",
                    " ".join(filter(None, (entry.arn, note))),
                    entry.username or "",
                    ",".join(entry.groups),
                )
            )
    rows += [("account", account, "", "") for account in model.accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def document(model: AwsAuth) -> dict[str, object]:
    """`aws-auth get --output json|yaml`: every mapping, with why EKS ignores it where it does."""
    from eks_tf_auth.kube.aws_auth import KINDS

    return {
        kind: [
            {
                "arn": e.arn,
                "username": e.username,
                "groups": list(e.groups),
                "line": e.line,
                **({"ignored": e.ignored} if e.ignored else {}),
            }
            for e in model.entries(kind)
        ]
        for kind in KINDS
    } | {"mapAccounts": list(model.accounts), "invalidKeys": list(model.invalid_keys)}


def failing(findings: Sequence[Finding]) -> bool:
    """Whether `validate` should fail: an error or a warning (notes only inform)."""
    return any(f.severity.value != "note" for f in findings)


def findings(found: Sequence[Finding], fmt: str, source: str) -> str:
    """`aws-auth validate`'s report: text (KEY:LINE: severity: message [code]), json or SARIF."""
    import json

    if fmt == "text":
        lines = [
            f"{source}: {f.key}:{f.line}: {f.severity.value}: {f.message} [{f.code}]" for f in found
        ]
        return "".join(line + "\n" for line in lines) or f"{source}: no findings\n"
    records = [
        {
            "code": f.code,
            "key": f.key,
            "line": f.line,
            "severity": f.severity.value,
            "message": f.message,
        }
        for f in found
    ]
    if fmt == "json":
        return json.dumps({"source": source, "findings": records}, indent=2) + "\n"
    from eks_tf_auth import __version__

    sarif = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "eks-tf-auth aws-auth validate",
                        "version": __version__,
                        "rules": [{"id": code} for code in sorted({f.code for f in found})],
                    }
                },
                "results": [
                    {
                        "ruleId": f.code,
                        "level": f.severity.value,
                        "message": {"text": f"{f.key}: {f.message}"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": source},
                                    "region": {"startLine": f.line},
                                }
                            }
                        ],
                    }
                    for f in found
                ],
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"
