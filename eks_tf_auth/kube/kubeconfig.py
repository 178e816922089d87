"""kubeconfig files: read one (as YAML, checked to be a kubeconfig), merge entries into it the way
`aws eks update-kubeconfig` does (same-named entries replaced in place, the rest untouched), and
write it back atomically with a backup.

A merge holds the lock kubectl (client-go) takes for the same read-modify-write: a symbolic link
`PATH.lock` created next to the file, so concurrent merges, ours or kubectl's, never lose entries.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from eks_tf_auth.errors import InputError
from eks_tf_auth.files import check_writable, read_text, target_of, write_atomic
from eks_tf_auth.validate import quoted

SECTIONS = ("clusters", "contexts", "users")
MAX_SIZE = 16 * 1024 * 1024  # a kubeconfig is kilobytes; refuse what cannot be one
LOCK_SUFFIX = ".lock"
LOCK_TIMEOUT = 10.0  # seconds to wait for another writer


def load(text: str, path: str) -> dict[str, Any]:
    import yaml

    try:
        doc = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{path} is not valid YAML{where}", hint="fix or move the file") from e
    except RecursionError as e:
        raise InputError(f"{path} is nested too deeply to be a kubeconfig") from e
    if not isinstance(doc, dict):
        raise InputError(f"{path} is not a kubeconfig (not a mapping)")
    for section in SECTIONS:
        if not isinstance(doc.get(section) or [], list):
            raise InputError(f"{path}: {section} is not a list")
    return doc


def dump(doc: Mapping[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(dict(doc), default_flow_style=False, sort_keys=False))


def merge(
    existing: Mapping[str, Any] | None, new: Mapping[str, Any], *, set_context: bool
) -> dict[str, Any]:
    """`new`'s clusters, contexts and users replace same-named entries of `existing` in place
    or are appended; everything else in `existing` is kept as it was."""
    merged: dict[str, Any] = dict(existing or {"apiVersion": "v1", "kind": "Config"})
    for section in SECTIONS:
        entries = list(merged.get(section) or [])
        index = {
            e["name"]: i
            for i, e in enumerate(entries)
            if isinstance(e, dict) and isinstance(e.get("name"), str)
        }
        for entry in new[section]:
            if entry["name"] in index:
                entries[index[entry["name"]]] = entry
            else:
                entries.append(entry)
        merged[section] = entries
    if set_context or not merged.get("current-context"):
        merged["current-context"] = new["current-context"]
    merged.setdefault("preferences", {})
    return merged


def merge_into(path: str, new_text: str, *, set_context: bool) -> str | None:
    """Merge into the kubeconfig at `path` (through a symbolic link to its target): back it up to
    PATH.bak, then replace it atomically, under kubectl's lock. Returns the backup's path, or None
    where there was no file. Nothing is written when anything is refused."""
    target = target_of(path)
    backup = path + ".bak"
    existed = check_writable(target) is not None
    if existed:
        check_writable(target_of(backup))
    new = load(new_text, "<rendered>")
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot create the directory of {path}: {e.strerror}") from e
    with locked(path):
        old_text = _read(target)
        existing = load(old_text, path) if old_text is not None else None
        text = dump(merge(existing, new, set_context=set_context))
        if old_text is None:
            write_atomic(target, text.encode())
            return None
        write_atomic(backup, old_text.encode(), mode=os.stat(target).st_mode & 0o777)
        write_atomic(target, text.encode())
    return backup


def _read(path: str) -> str | None:
    return read_text(
        path,
        limit=MAX_SIZE,
        label="",
        kind="a kubeconfig",
        hint="check the path given to --merge-into",
    )


@contextlib.contextmanager
def locked(path: str) -> Iterator[None]:
    """client-go's kubeconfig lock: a symbolic link PATH.lock -> PATH, made atomically (for the
    path as given, as kubectl names it)."""
    lock = path + LOCK_SUFFIX
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            os.symlink(path, lock)
            break
        except FileExistsError:
            if time.monotonic() >= deadline:
                raise InputError(
                    f"{path} is locked by another writer ({lock} exists)",
                    hint=f"wait for it, or remove {lock} if no kubectl or eks-tf-auth is running",
                ) from None
            time.sleep(0.02)
        except OSError as e:
            raise InputError(f"cannot lock {path}: {e.strerror}") from e
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)


# -- reading and selecting a context, as kubectl does -------------------------------------------

KUBECONFIG_ENV = "KUBECONFIG"
EXEC_EXTENSION = "client.authentication.k8s.io/exec"  # the cluster extension exec plugins see
_ENTRY_KEYS = {"clusters": "cluster", "contexts": "context", "users": "user"}
_UNSUPPORTED_AUTH = (
    "client-certificate",
    "client-certificate-data",
    "client-key",
    "client-key-data",
    "auth-provider",
    "username",
    "password",
)


@dataclass(frozen=True)
class ExecPlugin:
    """A user's `exec` block: the credential plugin kubectl runs."""

    api_version: str
    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    interactive_mode: str | None = None
    provide_cluster_info: bool = False
    install_hint: str | None = None


@dataclass(frozen=True)
class ClusterEntry:
    name: str
    server: str
    ca_data: str | None = None  # base64 PEM, as certificate-authority-data holds it
    ca_file: str | None = None  # absolute: relative paths are resolved against their file
    insecure: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    exec_config: Mapping[str, Any] | None = None  # the EXEC_EXTENSION extension, if any


@dataclass(frozen=True)
class UserEntry:
    name: str | None = None  # None: the context names no user
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    exec: ExecPlugin | None = None
    impersonate: str | None = None  # `as`
    impersonate_groups: tuple[str, ...] = ()  # `as-groups`
    unsupported: tuple[str, ...] = ()  # the keys of auth methods eks-tf-auth does not speak


@dataclass(frozen=True)
class Context:
    """One kubeconfig context with its cluster and user looked up and typed."""

    name: str
    cluster: ClusterEntry
    user: UserEntry
    namespace: str | None = None


def default_paths(environ: Mapping[str, str]) -> list[str]:
    """client-go's default loading rules: the files KUBECONFIG lists, else ~/.kube/config."""
    listed = environ.get(KUBECONFIG_ENV, "")
    if listed:
        return list(dict.fromkeys(p for p in listed.split(os.pathsep) if p))
    home = environ.get("HOME") or os.path.expanduser("~")
    return [os.path.join(home, ".kube", "config")]


def read(path: str | None, environ: Mapping[str, str]) -> dict[str, Any]:
    """The kubeconfig kubectl would use: `path` (which must exist), else the files of
    `default_paths` that exist, layered as client-go does (the first file that names a cluster,
    context or user, or sets current-context, wins). Relative file references are resolved
    against the file that holds them."""
    paths = [path] if path else default_paths(environ)
    docs = []
    for p in paths:
        text = _read(p)
        if text is None:
            if path:
                raise InputError(f"kubeconfig {p} not found", hint="check the path")
            continue
        docs.append(_resolve_paths(load(text, p), p))
    if not docs:
        raise InputError(
            f"no kubeconfig found (looked for {', '.join(paths)})",
            hint="set KUBECONFIG, or give the kubeconfig's path",
        )
    layered: dict[str, Any] = {section: [] for section in SECTIONS}
    for doc in docs:
        for section in SECTIONS:
            seen = {e.get("name") for e in layered[section]}
            layered[section] += [
                e
                for e in doc.get(section) or []
                if isinstance(e, dict) and e.get("name") not in seen
            ]
        layered["current-context"] = layered.get("current-context") or doc.get("current-context")
    return layered


def select(doc: Mapping[str, Any], context: str | None = None) -> Context:
    """The context named `context` (else current-context) of a kubeconfig `doc` (from `load` or
    `read`), with its cluster and user; anything missing or mistyped is one InputError."""
    name = context or doc.get("current-context")
    if not name:
        raise InputError("the kubeconfig has no current-context", hint="name a context")
    if not isinstance(name, str):
        raise InputError("the kubeconfig's current-context is not a string")
    ctx = _body(doc, "contexts", name)
    where = f"context {quoted(name)}"
    cluster_name = _str(ctx, "cluster", where)
    if cluster_name is None:
        raise InputError(f"kubeconfig: {where} names no cluster")
    user_name = _str(ctx, "user", where)
    return Context(
        name=name,
        cluster=_cluster(cluster_name, _body(doc, "clusters", cluster_name)),
        user=_user(user_name, _body(doc, "users", user_name)) if user_name else UserEntry(),
        namespace=_str(ctx, "namespace", where),
    )


def _cluster(name: str, body: Mapping[str, Any]) -> ClusterEntry:
    where = f"cluster {quoted(name)}"
    server = _str(body, "server", where)
    if server is None:
        raise InputError(f"kubeconfig: {where} has no server")
    exec_config = None
    for ext in _list(body, "extensions", where):
        if isinstance(ext, dict) and ext.get("name") == EXEC_EXTENSION:
            exec_config = _map(ext, "extension", f"{where}'s {EXEC_EXTENSION} extension")
    return ClusterEntry(
        name=name,
        server=server,
        ca_data=_str(body, "certificate-authority-data", where),
        ca_file=_str(body, "certificate-authority", where),
        insecure=_flag(body, "insecure-skip-tls-verify", where),
        tls_server_name=_str(body, "tls-server-name", where),
        proxy_url=_str(body, "proxy-url", where),
        exec_config=exec_config,
    )


def _user(name: str, body: Mapping[str, Any]) -> UserEntry:
    where = f"user {quoted(name)}"
    plugin = None
    if body.get("exec") is not None:
        block = _map(body, "exec", where)
        at = f"{where}'s exec"
        api_version, command = _str(block, "apiVersion", at), _str(block, "command", at)
        if api_version is None or command is None:
            raise InputError(f"kubeconfig: {at} needs apiVersion and command")
        env = []
        for item in _list(block, "env", at):
            pair = (_str(item, "name", f"{at} env"), _str(item, "value", f"{at} env") or "")
            if not isinstance(item, dict) or pair[0] is None:
                raise InputError(f"kubeconfig: {at} env entries need a name and a value")
            env.append((pair[0], pair[1]))
        plugin = ExecPlugin(
            api_version=api_version,
            command=command,
            args=_strs(block, "args", at),
            env=tuple(env),
            interactive_mode=_str(block, "interactiveMode", at),
            provide_cluster_info=_flag(block, "provideClusterInfo", at),
            install_hint=_str(block, "installHint", at),
        )
    return UserEntry(
        name=name,
        token=_str(body, "token", where),
        token_file=_str(body, "tokenFile", where),
        exec=plugin,
        impersonate=_str(body, "as", where),
        impersonate_groups=_strs(body, "as-groups", where),
        unsupported=tuple(key for key in _UNSUPPORTED_AUTH if body.get(key)),
    )


def _body(doc: Mapping[str, Any], section: str, name: str) -> Mapping[str, Any]:
    what = _ENTRY_KEYS[section]
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return _map(entry, what, f"{what} {quoted(name)}")
    known = sorted(str(e.get("name")) for e in doc.get(section) or [] if isinstance(e, dict))
    raise InputError(
        f"kubeconfig: {what} {quoted(name)} not found",
        hint=f"the kubeconfig's {section}: {', '.join(known[:10]) or 'none'}",
    )


def _map(body: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"kubeconfig: {where}: {key} is not a mapping")
    return value


def _list(body: Any, key: str, where: str) -> list[Any]:
    value = body.get(key) if isinstance(body, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"kubeconfig: {where}: {key} is not a list")
    return value


def _str(body: Any, key: str, where: str) -> str | None:
    value = body.get(key) if isinstance(body, dict) else None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError(f"kubeconfig: {where}: {key} is not a string")
    return value


def _strs(body: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = _list(body, key, where)
    if not all(isinstance(v, str) for v in values):
        raise InputError(f"kubeconfig: {where}: {key} is not a list of strings")
    return tuple(values)


def _flag(body: Mapping[str, Any], key: str, where: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise InputError(f"kubeconfig: {where}: {key} is not true or false")
    return value


def _resolve_paths(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """`doc` with the relative file references of its clusters and users made absolute against
    the directory of `path` (client-go's ResolveLocalPaths; an exec command only when it is a
    path, not a name looked up on PATH)."""
    base = os.path.dirname(os.path.abspath(path))
    refs = {
        "clusters": ("certificate-authority",),
        "users": ("tokenFile", "client-certificate", "client-key"),
    }
    for section, keys in refs.items():
        for entry in doc.get(section) or []:
            body = entry.get(_ENTRY_KEYS[section]) if isinstance(entry, dict) else None
            if not isinstance(body, dict):
                continue
            for key in keys:
                body[key] = _absolute(base, body.get(key))
            block = body.get("exec")
            if isinstance(block, dict) and os.sep in str(block.get("command", "")):
                block["command"] = _absolute(base, block["command"])
    return doc


def _absolute(base: str, value: Any) -> Any:
    if isinstance(value, str) and value and not os.path.isabs(value):
        return os.path.join(base, value)
    return value
