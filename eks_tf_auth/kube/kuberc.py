"""kuberc, kubectl's preferences file, for the credential plugin policy that kubectl enforces from
1.35 on (`credentialPluginPolicy`: AllowAll, DenyAll or Allowlist, with
`credentialPluginAllowlist: [{name: /abs/path}]`).

The file is found as kubectl finds it (`location`: KUBERC, else ~/.kube/kuberc; none with
KUBERC=off or KUBECTL_KUBERC=false) and judged as kubectl 1.37 judges it: the first valid
Preference document counts (`Kuberc.preference`); `problem` says why kubectl would refuse the file
(it then fails every command) and `blocks` why it would refuse to run a credential plugin.
`merge_into` lets one plugin run, under kubectl's lock (`PATH.lock`), atomically and with a
backup, as kubeconfig merges are written. A merge only ever widens what kubectl runs: an Allowlist
gains the entry, DenyAll becomes an Allowlist of that entry alone, and a kuberc that already lets
every plugin run (no policy, AllowAll, no file) is left as it is.

Allowlist entries are compared as client-go compares them: a path as written, a name through
`exec.LookPath` (`look_path`, which follows no symbolic link), so the entry written is the path
kubectl itself would resolve the exec command to (`plugin_path`).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eks_tf_auth import validate
from eks_tf_auth.errors import InputError
from eks_tf_auth.exec.argv import DEFAULT_COMMAND
from eks_tf_auth.files import check_writable, read_text, target_of, write_atomic
from eks_tf_auth.kube.kubeconfig import locked
from eks_tf_auth.validate import quoted

KUBERC_ENV = "KUBERC"  # the file kubectl reads; "off" turns kuberc off
KUBERC_OFF = "off"
FEATURE_ENV = "KUBECTL_KUBERC"  # "false" (any case) turns kuberc off
API_V1ALPHA1 = "kubectl.config.k8s.io/v1alpha1"  # has no credential plugin policy
API_V1BETA1 = "kubectl.config.k8s.io/v1beta1"
KIND = "Preference"
POLICY = "credentialPluginPolicy"
ALLOWLIST = "credentialPluginAllowlist"
ALLOW_ALL, DENY_ALL, ALLOWLIST_POLICY = "AllowAll", "DenyAll", "Allowlist"
POLICIES = ("", ALLOW_ALL, DENY_ALL, ALLOWLIST_POLICY)  # "" is AllowAll
# An entry names its plugin in `name` (kubectl 1.35's field); kubectl 1.37 also reads `command`.
ENTRY_KEYS = ("name", "command")
MAX_SIZE = 1024 * 1024  # a kuberc is a few lines; refuse what cannot be one
FIX = "eks-tf-auth render kuberc --merge-into {path}"


@dataclass(frozen=True)
class Kuberc:
    """A kuberc file: every YAML document in it, and which one kubectl uses."""

    path: str
    documents: tuple[Any, ...]

    @property
    def index(self) -> int | None:
        """The document kubectl uses: the first valid Preference (None: kubectl finds none)."""
        return next((i for i, doc in enumerate(self.documents) if _usable(doc)), None)

    @property
    def preference(self) -> Mapping[str, Any] | None:
        return None if self.index is None else self.documents[self.index]


@dataclass(frozen=True)
class Merged:
    changed: bool
    note: str  # what the merge did, or why it left the file alone
    backup: str | None = None


def location(environ: Mapping[str, str]) -> str | None:
    """The kuberc kubectl reads (without --kuberc), or None where kuberc is turned off."""
    if environ.get(FEATURE_ENV, "").lower() == "false":
        return None
    given = environ.get(KUBERC_ENV, "")
    if given == KUBERC_OFF:
        return None
    if given:
        return given
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".kube", "kuberc")


def read(environ: Mapping[str, str]) -> Kuberc | None:
    """The kuberc kubectl would read; None where kuberc is off or the default file is absent.
    A KUBERC that names no file is an error, as it is to kubectl (which then fails every
    command)."""
    path = location(environ)
    if path is None:
        return None
    text = _read(path)
    if text is None:
        if environ.get(KUBERC_ENV):
            raise InputError(
                f"kuberc {path} (KUBERC) not found: kubectl fails every command so",
                hint="point KUBERC at a kuberc, or unset it",
            )
        return None
    return load(text, path)


def load(text: str, path: str) -> Kuberc:
    import yaml

    try:
        documents = tuple(yaml.safe_load_all(text))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(
            f"kuberc {path} is not valid YAML{where}", hint="fix it: kubectl fails every command so"
        ) from e
    except RecursionError as e:
        raise InputError(f"kuberc {path} is nested too deeply to be a kuberc") from e
    return Kuberc(path, documents)


def problem(kuberc: Kuberc) -> str | None:
    """Why kubectl would refuse this kuberc, failing every command; None when it takes it."""
    pref = kuberc.preference
    if pref is None:
        return f"it holds no valid preferences (apiVersion {API_V1BETA1}, kind {KIND})"
    if pref["apiVersion"] != API_V1BETA1:
        return None  # v1alpha1 has no credential plugin policy
    policy = pref.get(POLICY) or ""
    entries = pref.get(ALLOWLIST)
    if policy not in POLICIES:
        return f"unknown {POLICY} {quoted(policy)} (AllowAll, DenyAll or Allowlist)"
    if policy != ALLOWLIST_POLICY:
        if entries is not None:
            return f"{ALLOWLIST} is set but {POLICY} is {policy or 'not set'}, not Allowlist"
        return None
    if not entries:
        return f"{POLICY} is Allowlist but {ALLOWLIST} is empty (DenyAll says that)"
    for number, entry in enumerate(entries, 1):
        name = _entry_name(entry)
        if not name:
            return f"{ALLOWLIST} entry #{number} is empty"
        if name.startswith("/") and _clean(name) != name:
            return f"{ALLOWLIST} entry #{number} {quoted(name)} is not a clean path"
    return None


def blocks(kuberc: Kuberc | None, command: str, environ: Mapping[str, str]) -> str | None:
    """Why kubectl, with this kuberc, would not run the exec plugin `command` (as a kubeconfig's
    exec block names it: a name looked up on PATH, or a path); None when it would run it."""
    if kuberc is None:
        return None
    refused = problem(kuberc)
    if refused is not None:
        return f"kubectl refuses the kuberc {kuberc.path}, and so every command: {refused}"
    pref = kuberc.preference
    assert pref is not None  # problem() says so otherwise
    policy = pref.get(POLICY) or ALLOW_ALL
    if pref["apiVersion"] != API_V1BETA1 or policy == ALLOW_ALL:
        return None
    if policy == DENY_ALL:
        return (
            f"the kuberc {kuberc.path} sets {POLICY}: DenyAll, so kubectl runs no credential "
            f"plugin ({quoted(command)} included)"
        )
    names = [_entry_name(e) or "" for e in pref[ALLOWLIST]]
    if any(allows(name, command, environ) for name in names):
        return None
    resolved = look_path(command, environ) or command
    return (
        f"the kuberc {kuberc.path} allows only {', '.join(map(quoted, names))} "
        f"({ALLOWLIST}), not {quoted(resolved)}"
    )


def fix(kuberc: Kuberc, command: str) -> str:
    """The command that lets `command` run under `kuberc`."""
    line = FIX.format(path=kuberc.path)
    return line if command == DEFAULT_COMMAND else f"{line} --command {command}"


def allows(entry: str, plugin: str, environ: Mapping[str, str]) -> bool:
    """client-go's allowlist check of one entry name: a path matches the plugin as written or as
    resolved; a name matches the plugin as written, or where both resolve to one path."""
    resolved = look_path(plugin, environ)
    if "/" in entry:
        return entry in (plugin, resolved)
    return entry == plugin or (resolved is not None and look_path(entry, environ) == resolved)


def look_path(name: str, environ: Mapping[str, str]) -> str | None:
    """Go's exec.LookPath: a name with a slash as it is, if executable; else the first executable
    PATH entry joined with it (cleaned, not resolved), or None when that is relative (ErrDot)."""
    if "/" in name:
        return name if _executable(name) else None
    search = environ.get("PATH", "")
    for directory in search.split(os.pathsep) if search else []:
        candidate = posixpath.normpath(posixpath.join(directory or ".", name))
        if _executable(candidate):
            return candidate if candidate.startswith("/") else None
    return None


def plugin_path(command: str, environ: Mapping[str, str]) -> str:
    """The allowlist entry for an exec command: an absolute path as it is, a name as kubectl
    would resolve it on this PATH."""
    validate.command(command)
    if command.startswith("/"):
        if _clean(command) != command:
            raise InputError(
                f"--command {quoted(command)} is not a clean path",
                hint=f"give {_clean(command)}: kubectl refuses allowlist paths that are not",
            )
        return command
    if "/" in command:
        raise InputError(
            f"--command {quoted(command)} is a relative path",
            hint="give an absolute path, or a name on PATH",
        )
    found = look_path(command, environ)
    if found is None:
        raise InputError(
            f"{command} is not on PATH, so kubectl could not run it either",
            hint=f"install it or put its directory on PATH, or give --command /path/to/{command}",
        )
    return found


def allow(kuberc: Kuberc, plugin: str, environ: Mapping[str, str]) -> tuple[Kuberc | None, str]:
    """The kuberc with `plugin` allowed (None where it is allowed already), and what changed."""
    refused = problem(kuberc)
    if refused is not None:
        raise InputError(
            f"kubectl refuses the kuberc {kuberc.path}: {refused}",
            hint="fix it first (kubectl fails every command while it is so); nothing was written",
        )
    index = kuberc.index
    assert index is not None  # problem() says so otherwise
    pref = dict(kuberc.documents[index])
    policy = pref.get(POLICY) or ALLOW_ALL
    if pref["apiVersion"] != API_V1BETA1:
        return None, f"{pref['apiVersion']} has no credential plugin policy: every plugin runs"
    if policy == ALLOW_ALL:
        return None, f"{POLICY} is {policy}: every plugin runs"
    entries = list(pref.get(ALLOWLIST) or [])
    allowed = [n for n in (_entry_name(e) or "" for e in entries) if allows(n, plugin, environ)]
    if allowed:
        return None, f"{ALLOWLIST} allows {quoted(plugin)} already ({quoted(allowed[0])})"
    pref[POLICY] = ALLOWLIST_POLICY
    pref[ALLOWLIST] = [*entries, {"name": plugin}]
    documents = (*kuberc.documents[:index], pref, *kuberc.documents[index + 1 :])
    if policy == DENY_ALL:
        note = f"{POLICY} DenyAll became Allowlist of {quoted(plugin)} alone"
    else:
        note = f"added {quoted(plugin)} to {ALLOWLIST}"
    return Kuberc(kuberc.path, documents), note


def dump(kuberc: Kuberc) -> str:
    import yaml

    documents = [doc for doc in kuberc.documents if doc is not None]
    return str(yaml.safe_dump_all(documents, default_flow_style=False, sort_keys=False))


def preview(path: str, plugin: str, environ: Mapping[str, str]) -> Merged:
    """What `merge_into` would do, without the lock and without writing: an error for a kuberc
    that cannot take the entry, before anything else is written."""
    _, new, note = _plan(path, plugin, environ)
    return Merged(new is not None, note)


def merge_into(path: str, plugin: str, environ: Mapping[str, str]) -> Merged:
    """Let `plugin` (an entry from `plugin_path`) run under the kuberc at `path` (through a
    symbolic link to its target): back it up to PATH.bak and replace it atomically, under
    kubectl's lock. Nothing is written where nothing needs to change; no kuberc is created (without
    one, kubectl runs every plugin)."""
    looked = preview(path, plugin, environ)
    if not looked.changed:
        return looked
    target = target_of(path)
    backup = path + ".bak"
    check_writable(target)
    check_writable(target_of(backup))
    with locked(path):
        text, new, note = _plan(path, plugin, environ)
        if text is None or new is None:  # another writer removed it, or allowed the plugin
            return Merged(False, note)
        write_atomic(backup, text.encode(), mode=os.stat(target).st_mode & 0o777)
        write_atomic(target, dump(new).encode())
    return Merged(True, note, backup)


def _plan(
    path: str, plugin: str, environ: Mapping[str, str]
) -> tuple[str | None, Kuberc | None, str]:
    """The file's text, the kuberc that lets `plugin` run (None: no change), and a note."""
    text = _read(target_of(path))
    if text is None:
        return None, None, f"there is no kuberc at {path}: kubectl runs every plugin"
    return (text, *allow(load(text, path), plugin, environ))


def _usable(doc: Any) -> bool:
    """Whether kubectl would take `doc` as its preferences (its strict decoding, in outline)."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        return False
    version = doc.get("apiVersion")
    if version not in (API_V1ALPHA1, API_V1BETA1):
        return False
    if not all(isinstance(doc.get(key) or [], list) for key in ("defaults", "aliases")):
        return False
    if version == API_V1ALPHA1:
        return True
    entries = doc.get(ALLOWLIST)
    return isinstance(doc.get(POLICY) or "", str) and (
        entries is None or (isinstance(entries, list) and all(map(_entry_ok, entries)))
    )


def _entry_ok(entry: Any) -> bool:
    if entry is None:
        return True  # an empty entry: decoded, then refused by problem()
    if not isinstance(entry, dict):
        return False
    given = [key for key in ENTRY_KEYS if key in entry]
    return len(given) <= 1 and all(isinstance(entry[k] or "", str) for k in given)


def _entry_name(entry: Any) -> str | None:
    return next((entry[k] for k in ENTRY_KEYS if entry and entry.get(k)), None)


def _clean(path: str) -> str:
    """Go's filepath.Clean for an absolute path (which, unlike normpath, keeps no leading //)."""
    return "/" + posixpath.normpath(path).lstrip("/")


def _executable(path: str) -> bool:
    return os.access(path, os.X_OK) and not os.path.isdir(path)


def _read(path: str) -> str | None:
    return read_text(path, limit=MAX_SIZE, label="the kuberc ", kind="a kuberc")
