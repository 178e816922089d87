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
from typing import Any

from eks_tf_auth.errors import InputError
from eks_tf_auth.files import check_writable, target_of, write_atomic

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
    with _locked(path):
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
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SIZE + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from e
    if len(data) > MAX_SIZE:
        raise InputError(
            f"{path} is over {MAX_SIZE // (1024 * 1024)} MiB: not a kubeconfig",
            hint="check the path given to --merge-into",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"cannot read {path}: not UTF-8 text") from e


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
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
