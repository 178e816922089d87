"""Plan artefacts: `terraform show -json` output and saved plan files. Every EKS token in them
becomes a `PlanToken` (ETA008), and a saved plan's configuration snapshot becomes modules that
the rules check like any other configuration."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from eks_tf_auth import token
from eks_tf_auth.lint.hcl import CONFIG_SUFFIXES, SyntaxProblem, parse_config
from eks_tf_auth.lint.model import Module, ModuleCall, PlanToken, Problem, Project

PLAN_SUFFIXES = (".tfplan", ".tfplan.json", ".plan.json")


def read_plan_json(project: Project, shown: str, text: str) -> None:
    """`terraform show -json` output (or any JSON document holding a plan or state)."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        line, col = (e.lineno, e.colno) if isinstance(e, json.JSONDecodeError) else (1, 1)
        project.problems.append(Problem(shown, line, col, "invalid JSON"))
        return
    _collect_tokens(project, shown, doc, "")


def read_saved_plan(project: Project, file: Path, shown: str) -> None:
    """A saved plan is a zip: tfstate (prior state, with data source values) and tfconfig/."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            for name in names:
                if name == "tfstate" or name.endswith(".tfstate"):
                    _collect_tokens(project, shown, json.loads(archive.read(name) or b"{}"), "")
            config_files = [
                n for n in names if n.startswith("tfconfig/") and n.endswith(CONFIG_SUFFIXES)
            ]
            _read_snapshot(project, shown, archive, config_files)
    except (OSError, zipfile.BadZipFile, ValueError, RecursionError) as e:
        project.problems.append(Problem(shown, 1, 1, f"not a readable saved plan: {e}"))


def _read_snapshot(
    project: Project, shown: str, archive: zipfile.ZipFile, names: list[str]
) -> None:
    """Lint the configuration snapshot inside a saved plan. Terraform stores module KEY under
    tfconfig/m-KEY/ and lists each key's source directory in tfconfig/modules.json."""
    dirs: dict[str, str] = {"": "."}
    if "tfconfig/modules.json" in archive.namelist():
        for entry in json.loads(archive.read("tfconfig/modules.json")):
            if isinstance(entry, dict) and isinstance(entry.get("Key"), str):
                dirs[entry["Key"]] = str(entry.get("Dir") or ".")
    by_key: dict[str, list[str]] = {}
    for name in names:
        folder = name.split("/")[1] if name.count("/") >= 2 else ""
        if folder.startswith("m-"):
            by_key.setdefault(folder[2:], []).append(name)
    for key, members in sorted(by_key.items()):
        texts = {m: archive.read(m).decode("utf-8", "replace") for m in sorted(members)}
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


def _collect_tokens(project: Project, shown: str, doc: Any, address: str) -> None:
    """Every EKS token in a plan or state document, with the address of what holds it."""
    if isinstance(doc, dict):
        here = _address(doc) or address
        for key, value in doc.items():
            if key in ("outputs", "output_changes") and isinstance(value, dict):
                for name, output in value.items():
                    _collect_tokens(project, shown, output, f"output.{name}")
            else:
                _collect_tokens(project, shown, value, here)
    elif isinstance(doc, list):
        for value in doc:
            _collect_tokens(project, shown, value, address)
    elif isinstance(doc, str) and token.TOKEN_PREFIX in doc:
        for match in token.TOKEN_PATTERN.finditer(doc):
            found = PlanToken(shown, address or "(unknown)", token.signed_at(match.group(0)))
            if found not in project.plan_tokens:
                project.plan_tokens.append(found)


def _address(doc: dict[str, Any]) -> str | None:
    """The resource address of a plan/state object: its address, else mode.type.name."""
    if isinstance(doc.get("address"), str):
        return str(doc["address"])
    kind, name = doc.get("type"), doc.get("name")
    if isinstance(kind, str) and isinstance(name, str):
        return f"data.{kind}.{name}" if doc.get("mode") == "data" else f"{kind}.{name}"
    return None
