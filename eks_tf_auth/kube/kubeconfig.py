"""kubeconfig files: read one (as YAML, checked to be a kubeconfig), merge entries into it the way
`aws eks update-kubeconfig` does (same-named entries replaced in place, the rest untouched), and
write it back atomically with a backup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from eks_tf_auth.errors import InputError
from eks_tf_auth.files import write_atomic

SECTIONS = ("clusters", "contexts", "users")


def load(text: str, path: str) -> dict[str, Any]:
    import yaml

    try:
        doc = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{path} is not valid YAML{where}", hint="fix or move the file") from e
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
        index = {e.get("name"): i for i, e in enumerate(entries) if isinstance(e, dict)}
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
    """Merge into the kubeconfig at `path`: back it up to PATH.bak, then replace it atomically.
    Returns the backup's path, or None where there was no file."""
    try:
        with open(path, encoding="utf-8") as f:
            old_text: str | None = f.read()
    except FileNotFoundError:
        old_text = None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from e
    existing = load(old_text, path) if old_text is not None else None
    new = load(new_text, "<rendered>")
    text = dump(merge(existing, new, set_context=set_context))
    backup = None
    mode = 0o600
    if old_text is not None:
        mode = os.stat(path).st_mode & 0o777
        backup = path + ".bak"
        write_atomic(backup, old_text.encode(), mode=mode)
    write_atomic(path, text.encode(), mode=mode)
    return backup
