"""Plan artefacts: `terraform show -json` output and saved plan files. Every EKS token in them
becomes a `PlanToken` (ETA008), and a saved plan's configuration snapshot becomes modules that
the rules check like any other configuration."""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from eks_tf_auth import token
from eks_tf_auth.lint.hcl import CONFIG_SUFFIXES, SyntaxProblem, parse_config, shadowed
from eks_tf_auth.lint.inputs import (
    MAX_INPUT_BYTES,
    MIB,
    Unreadable,
    parse_json,
    read_all,
    size_text,
)
from eks_tf_auth.lint.model import Module, ModuleCall, PlanToken, Problem, Project

PLAN_SUFFIXES = (".tfplan", ".tfplan.json", ".plan.json")
ZIP_MAGIC = b"PK\x03\x04"
PLAN_MEMBER = "tfplan"  # the member every saved plan holds (the plan itself, protobuf)
MODULES_JSON = "tfconfig/modules.json"
# `terraform show -json` opens with its format version; a plan has one of these beside it.
_PLAN_JSON_START = re.compile(rb'\A\s*\{\s*"format_version"\s*:')
PLAN_JSON_KEYS = ("planned_values", "prior_state")
# What is read from a saved plan: each member and all of them together are capped by size, and
# a member that expands more than MAX_RATIO times (a zip bomb) is refused before it is read.
MAX_MEMBERS_BYTES = 2 * MAX_INPUT_BYTES
MAX_RATIO = 200  # Terraform's JSON state deflates ~10-20x
RATIO_FLOOR = 1 * MIB  # a member smaller than this is never refused for its ratio
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Terraform (Go's archive/zip) writes
_ZIP_ERRORS = (
    OSError,
    EOFError,
    ValueError,  # a member name that is not UTF-8, and other corrupt headers
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,  # a compression method the zipfile module lacks
    RuntimeError,  # a member that needs a password
)


def read_saved_plan(project: Project, source: BinaryIO, shown: str) -> None:
    """A saved plan is a zip: tfstate (prior state, with data source values) and tfconfig/.
    `source` is a seekable binary file: the plan file, or the bytes read from a pipe."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = [i for i in archive.infolist() if _wanted(i.filename)]
            _check_members(members)
            for info in members:
                if info.filename == "tfstate" or info.filename.endswith(".tfstate"):
                    collect_tokens(project, shown, _json(archive, info))
            config = [i for i in members if i.filename.endswith(CONFIG_SUFFIXES)]
            modules = [i for i in members if i.filename == MODULES_JSON]
            _read_snapshot(project, shown, archive, config, modules)
    except Unreadable as e:
        project.problems.append(Problem(shown, 1, 1, f"not a readable saved plan: {e.message}"))
    except _ZIP_ERRORS as e:
        detail = str(e) or type(e).__name__
        project.problems.append(Problem(shown, 1, 1, f"not a readable saved plan: {detail}"))


def is_saved_plan(path: str) -> bool:
    """Whether a zip is a saved plan: it holds a `tfplan` member (only its directory is read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(info.filename == PLAN_MEMBER for info in archive.infolist())
    except _ZIP_ERRORS:
        return False


def starts_as_plan_json(head: bytes) -> bool:
    """Whether the first bytes of a file open a JSON object with `format_version`."""
    return _PLAN_JSON_START.match(head) is not None


def is_plan_json(doc: Any) -> bool:
    """`format_version` and `planned_values` or `prior_state`: what `terraform show -json`
    prints for a plan."""
    return (
        isinstance(doc, dict)
        and "format_version" in doc
        and any(key in doc for key in PLAN_JSON_KEYS)
    )


def check_not_encrypted(doc: Any) -> None:
    """Refuse OpenTofu's encrypted plan (or state): a JSON envelope with `encryption_version`
    and `encrypted_data` that only the key can open, which would otherwise read as a plan that
    holds no token."""
    if isinstance(doc, dict) and "encryption_version" in doc and "encrypted_data" in doc:
        raise Unreadable(
            "an encrypted OpenTofu plan or state: lint cannot read it; "
            "lint the output of `tofu show -json` on it instead"
        )


def _wanted(name: str) -> bool:
    """The members lint reads: the state, the configuration snapshot and its module list."""
    return (
        name == "tfstate"
        or name.endswith(".tfstate")
        or name == MODULES_JSON
        or (name.startswith("tfconfig/") and name.endswith(CONFIG_SUFFIXES))
    )


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse, before anything is decompressed, what Terraform never writes or what would expand
    past the caps."""
    total = 0
    for info in members:
        name, size = info.filename, info.file_size
        if info.flag_bits & 0x1:
            raise Unreadable(f"{name} is encrypted")
        if info.compress_type not in METHODS:
            raise Unreadable(f"{name} uses compression method {info.compress_type}, not deflate")
        if size > MAX_INPUT_BYTES:
            raise Unreadable(
                f"{name} expands to {size_text(size)}, over the {size_text(MAX_INPUT_BYTES)} cap"
            )
        if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
            raise Unreadable(
                f"{name} expands {size // max(info.compress_size, 1)} times "
                f"({size_text(size)}), over the {MAX_RATIO}:1 cap for compressed members"
            )
        total += size
    if total > MAX_MEMBERS_BYTES:
        raise Unreadable(
            f"its members expand to {size_text(total)}, over the {size_text(MAX_MEMBERS_BYTES)} cap"
        )


def _text(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """A member's text; a member never yields more than its checked size (zipfile stops there
    and checks the CRC), and read_all holds it to the cap besides."""
    with archive.open(info) as member:
        return read_all(member.read, MAX_INPUT_BYTES).decode("utf-8", "replace")


def _json(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    try:
        return parse_json(_text(archive, info) or "{}")
    except Unreadable as e:
        raise Unreadable(f"{info.filename}:{e.line}:{e.column}: {e.message}") from e


def _read_snapshot(
    project: Project,
    shown: str,
    archive: zipfile.ZipFile,
    config: list[zipfile.ZipInfo],
    modules: list[zipfile.ZipInfo],
) -> None:
    """Lint the configuration snapshot inside a saved plan. Terraform stores module KEY under
    tfconfig/m-KEY/ and lists each key's source directory in tfconfig/modules.json (a list)."""
    dirs: dict[str, str] = {"": "."}
    for info in modules:
        entries = _json(archive, info)
        if not isinstance(entries, list):
            raise Unreadable(f"{MODULES_JSON} is not a JSON list of modules")
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("Key"), str):
                dirs[entry["Key"]] = str(entry.get("Dir") or ".")
    by_key: dict[str, list[zipfile.ZipInfo]] = {}
    for info in config:
        name = info.filename
        folder = name.split("/")[1] if name.count("/") >= 2 else ""
        if folder.startswith("m-"):
            by_key.setdefault(folder[2:], []).append(info)
    for key, members in sorted(by_key.items()):
        names = {i.filename.rsplit("/", 1)[1] for i in members}
        active = [i for i in members if not shadowed(i.filename.rsplit("/", 1)[1], names)]
        texts = {i.filename: _text(archive, i) for i in sorted(active, key=lambda i: i.filename)}
        module = Module(f"{shown}!{key}")
        project.modules[module.directory] = module
        for member, text in texts.items():
            source_dir = os.path.normpath(dirs.get(key, key))
            label = f"{shown}!{Path(source_dir, member.rsplit('/', 1)[1]).as_posix()}"
            project.lines[label] = text.splitlines()
            try:
                module.files.append(parse_config(label, text))
            except SyntaxProblem as e:
                project.problems.append(Problem(label, e.line, e.column, e.detail))
    for key in by_key:
        caller = project.modules[f"{shown}!{key}"]
        for block in caller.of_kind("module"):
            child = f"{key}.{block.labels[0]}" if key else block.labels[0]
            if f"{shown}!{child}" in project.modules:
                project.calls.append(ModuleCall(caller.directory, block, f"{shown}!{child}"))


def collect_tokens(project: Project, shown: str, doc: Any) -> None:
    """Every EKS token in a plan or state document (`terraform show -json` output, a state, any
    JSON that holds one), with the address of what holds it; walked
    without recursion, as documents nest as deep as the JSON parser allows."""
    seen = set(project.plan_tokens)
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        node, address = stack.pop()
        if isinstance(node, dict):
            here = _address(node) or address
            children: list[tuple[Any, str]] = []
            for key, value in node.items():
                if key in ("outputs", "output_changes") and isinstance(value, dict):
                    children += [(output, f"output.{name}") for name, output in value.items()]
                else:
                    children.append((value, here))
            stack.extend(reversed(children))
        elif isinstance(node, list):
            stack.extend((value, address) for value in reversed(node))
        elif isinstance(node, str) and token.TOKEN_PREFIX in node:
            for match in token.TOKEN_PATTERN.finditer(node):
                found = PlanToken(shown, address or "(unknown)", token.signed_at(match.group(0)))
                if found not in seen:
                    seen.add(found)
                    project.plan_tokens.append(found)


def _address(doc: dict[str, Any]) -> str | None:
    """The resource address of a plan/state object: its address, else mode.type.name."""
    if isinstance(doc.get("address"), str):
        return str(doc["address"])
    kind, name = doc.get("type"), doc.get("name")
    if isinstance(kind, str) and isinstance(name, str):
        return f"data.{kind}.{name}" if doc.get("mode") == "data" else f"{kind}.{name}"
    return None
