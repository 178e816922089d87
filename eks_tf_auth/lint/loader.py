"""What lint reads: Terraform modules (directories), following local module sources, and plan
artefacts (`terraform show -json` output, saved plan files). A directory none of whose files
mentions anything a rule looks for is never parsed: that is what keeps a large tree fast."""

from __future__ import annotations

import base64
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from eks_tf_auth.lint.rule import Problem
from eks_tf_auth.terraform import Block, SourceFile, SyntaxProblem, parse_hcl, parse_json_config

if TYPE_CHECKING:
    from eks_tf_auth.lint.flow import Flow

CONFIG_SUFFIXES = (".tf", ".tf.json", ".tofu")
PLAN_SUFFIXES = (".tfplan", ".tfplan.json", ".plan.json")
SKIP_DIRS = frozenset({".terraform", ".git", "node_modules", ".venv"})
# Which directories are worth parsing is decided from the text alone (see select_directories):
# where a token source is declared, ...
SOURCE = re.compile(r'aws_eks_cluster_auth|data\s+"external"|"external"\s*:')
# ... what a one-directory rule looks for (ETA004, ETA007: a get-token line without JSON output;
# ETA005 needs both of the next two) ...
LOCAL = re.compile(r'v1alpha1|^(?!.*(?:"--output"\s*,\s*"json"|--output=json)).*"get-token"', re.M)
TOKEN_ATTRIBUTE = re.compile(r'(?m)(?:^|[{,])\s*"?token"?\s*[=:]')
EXEC = re.compile(r'(?m)(?:^|[{,\s])"?exec"?\s*[={:]|dynamic\s+"exec"')
# ... and local module calls, through which a token flows in (inputs) and out (outputs).
# In a parsed directory, files that can declare or carry a token path are parsed first; the others
# only where they name a symbol the dataflow found tainted (a resource reading local.token, say).
CORE_FILE = re.compile(
    r'aws_eks_cluster_auth|"external"|\b(?:provider|locals|output|module|token|exec)\b|v1alpha1'
    r"|get-token"
)
CALL = re.compile(r'(?m)^\s*"?source"?\s*[=:]\s*"(\.\.?/[^"]*)"')
TOKEN_PREFIX = "k8s-aws-v1."
EKS_TOKEN_TTL = timedelta(minutes=15)
_TOKEN_IN_TEXT = re.compile(r"k8s-aws-v1\.[A-Za-z0-9_-]{20,}")


@dataclass
class Module:
    directory: str
    files: list[SourceFile] = field(default_factory=list)

    @property
    def blocks(self) -> Iterator[Block]:
        for f in self.files:
            yield from f.blocks

    def of_kind(self, kind: str, *first_labels: str) -> Iterator[Block]:
        for b in self.blocks:
            if b.kind == kind and (not first_labels or b.labels[:1] == first_labels):
                yield b


@dataclass(frozen=True)
class ModuleCall:
    caller: str  # directory
    block: Block
    child: str  # directory


@dataclass(frozen=True)
class PlanToken:
    path: str
    address: str
    minted: datetime | None

    @property
    def expires(self) -> datetime | None:
        return self.minted + EKS_TOKEN_TTL if self.minted else None


@dataclass
class Project:
    modules: dict[str, Module] = field(default_factory=dict)
    calls: list[ModuleCall] = field(default_factory=list)
    plan_tokens: list[PlanToken] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)  # for suppression comments
    deferred: dict[str, dict[Path, str]] = field(default_factory=dict, repr=False)
    _flow: Flow | None = field(default=None, repr=False)

    def flow(self) -> Flow:
        """The token dataflow over every module (computed once)."""
        if self._flow is None:
            from eks_tf_auth.lint.flow import Flow

            self._flow = Flow(self)
        return self._flow


def load(paths: Sequence[Path], *, cwd: Path | None = None) -> Project:
    project = Project()
    base = Path(os.path.abspath(cwd or Path.cwd()))
    configs: dict[str, list[Path]] = {}
    for path in paths:
        for file in _expand(path):
            kind = _kind(file)
            if kind == "config":
                configs.setdefault(str(file.parent), []).append(file)
            elif kind == "plan-json":
                _load_plan_json(project, file, base)
            else:
                _load_saved_plan(project, file, base, configs)
    texts = {d: _read_all(project, files, base) for d, files in configs.items()}
    callers = _call_graph(texts, read=lambda d: _read_dir(project, d, base))
    todo = select_directories(texts)
    while todo:
        for directory in sorted(todo):
            _parse_module(project, directory, texts[directory], base)
        _link_calls(project)
        todo = _reached(project, callers) & set(texts)
    _parse_deferred(project, base)
    project._flow = None  # computed afresh over everything parsed
    return project


def select_directories(texts: dict[str, dict[Path, str]]) -> set[str]:
    """Where lint starts parsing, from the text alone: directories that declare a token source
    or whose text a one-directory rule matches. More are parsed only where the dataflow reaches
    them (see `_reached`)."""
    return {d for d, files in texts.items() if _worth_parsing("\n".join(files.values()))}


def _worth_parsing(text: str) -> bool:
    # Substring tests first: the regular expressions run only where they can match.
    if ("aws_eks_cluster_auth" in text or "external" in text) and SOURCE.search(text):
        return True
    if ("v1alpha1" in text or '"get-token"' in text) and LOCAL.search(text):
        return True
    return (
        "token" in text
        and "exec" in text
        and bool(TOKEN_ATTRIBUTE.search(text))
        and bool(EXEC.search(text))
    )


def _call_graph(
    texts: dict[str, dict[Path, str]], *, read: Callable[[str], dict[Path, str]]
) -> dict[str, set[str]]:
    """Callers of each directory, from `source = "./..."` lines; directories that calls lead to
    outside the given paths are read into `texts`."""
    callers: dict[str, set[str]] = {}
    pending = list(texts)
    while pending:
        directory = pending.pop()
        found = {m for t in texts[directory].values() for m in CALL.findall(t)}
        for child in {os.path.normpath(os.path.join(directory, m)) for m in found}:
            callers.setdefault(child, set()).add(directory)
            if child not in texts and os.path.isdir(child):
                texts[child] = read(child)
                pending.append(child)
    return callers


def _reached(project: Project, callers: dict[str, set[str]]) -> set[str]:
    """Unparsed modules a token reaches: children given a tainted input, callers of modules
    with a tainted output."""
    from eks_tf_auth.lint.flow import Flow

    flow = Flow(project)
    found: set[str] = set()
    for directory, module in project.modules.items():
        for block in module.of_kind("module"):
            child = _local_child(directory, block)
            if (
                child
                and child not in project.modules
                and any(flow.of(directory, a.refs) for a in block.attributes.values())
            ):
                found.add(child)
        if any(
            flow.of(directory, v.refs)
            for o in module.of_kind("output")
            if (v := o.attributes.get("value"))
        ):
            found |= {c for c in callers.get(directory, ()) if c not in project.modules}
    return found


def display(path: Path | str, base: Path) -> str:
    """A POSIX path relative to `base` where it lies below it."""
    p = Path(os.path.abspath(path))  # not resolve(): name the path given, not a link's target
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _expand(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(CONFIG_SUFFIXES + PLAN_SUFFIXES) or name == "tfplan":
                yield Path(root) / name


def _kind(file: Path) -> str:
    name = file.name
    if name.endswith(CONFIG_SUFFIXES):
        return "config"
    try:
        with file.open("rb") as f:
            head = f.read(4)
    except OSError:
        return "config"  # reported when read
    if head == b"PK\x03\x04":
        return "saved-plan"
    return "plan-json" if name.endswith(".json") or head[:1] == b"{" else "config"


def _read(project: Project, file: Path, base: Path) -> str | None:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        message = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        project.problems.append(Problem(display(file, base), 1, 1, f"cannot read: {message}"))
        return None


def _read_all(project: Project, files: Iterable[Path], base: Path) -> dict[Path, str]:
    return {f: t for f in files if (t := _read(project, f, base)) is not None}


def _read_dir(project: Project, directory: str, base: Path) -> dict[Path, str]:
    files = sorted(Path(directory).glob("*.tf")) + sorted(Path(directory).glob("*.tf.json"))
    return _read_all(project, files, base)


def _parse_module(project: Project, directory: str, texts: dict[Path, str], base: Path) -> None:
    module = Module(directory)
    project.modules[directory] = module
    core = {f: t for f, t in texts.items() if CORE_FILE.search(t)}
    project.deferred[directory] = {f: t for f, t in texts.items() if f not in core}
    _parse_files(project, module, core, base)


def _parse_deferred(project: Project, base: Path) -> None:
    """Parse the files set aside that name a tainted symbol of their module."""
    from eks_tf_auth.lint.flow import Flow

    flow = Flow(project)
    for directory, files in project.deferred.items():
        symbols = flow.symbols(directory)
        wanted = {f: t for f, t in files.items() if any(s in t for s in symbols)}
        _parse_files(project, project.modules[directory], wanted, base)


def _parse_files(project: Project, module: Module, texts: dict[Path, str], base: Path) -> None:
    for file, text in sorted(texts.items()):
        shown = display(file, base)
        project.lines[shown] = text.splitlines()
        try:
            parser = parse_json_config if file.name.endswith(".json") else parse_hcl
            module.files.append(parser(shown, text))
        except SyntaxProblem as e:
            project.problems.append(Problem(shown, e.line, e.column, e.detail))


def _link_calls(project: Project) -> None:
    project.calls = [
        ModuleCall(directory, block, child)
        for directory, module in project.modules.items()
        if "!" not in directory  # saved-plan snapshots are linked by their own keys
        for block in module.of_kind("module")
        if (child := _local_child(directory, block)) in project.modules
    ] + [c for c in project.calls if "!" in c.caller]


def _local_child(directory: str, block: Block) -> str | None:
    source = block.attributes.get("source")
    literal = _string_literal(source.expr) if source else None
    if literal and literal.startswith(("./", "../")):
        return os.path.normpath(os.path.join(directory, literal))
    return None


def _string_literal(expr: str) -> str | None:
    try:
        value = json.loads(expr)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _load_plan_json(project: Project, file: Path, base: Path) -> None:
    text = _read(project, file, base)
    if text is None:
        return
    shown = display(file, base)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        line, col = (e.lineno, e.colno) if isinstance(e, json.JSONDecodeError) else (1, 1)
        project.problems.append(Problem(shown, line, col, "invalid JSON"))
        return
    _collect_tokens(project, shown, doc, "")


def _load_saved_plan(
    project: Project, file: Path, base: Path, configs: dict[str, list[Path]]
) -> None:
    """A saved plan is a zip: tfstate (prior state, with data source values) and tfconfig/."""
    shown = display(file, base)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            for name in names:
                if name == "tfstate" or name.endswith(".tfstate"):
                    _collect_tokens(project, shown, json.loads(archive.read(name) or b"{}"), "")
            config_files = [
                n for n in names if n.startswith("tfconfig/") and n.endswith(CONFIG_SUFFIXES)
            ]
            _load_snapshot(project, shown, archive, config_files)
    except (OSError, zipfile.BadZipFile, ValueError, RecursionError) as e:
        project.problems.append(Problem(shown, 1, 1, f"not a readable saved plan: {e}"))


def _load_snapshot(
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
                parser = parse_json_config if member.endswith(".json") else parse_hcl
                module.files.append(parser(label, text))
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
    elif isinstance(doc, str) and TOKEN_PREFIX in doc:
        for match in _TOKEN_IN_TEXT.finditer(doc):
            token = PlanToken(shown, address or "(unknown)", minted_at(match.group(0)))
            if token not in project.plan_tokens:
                project.plan_tokens.append(token)


def _address(doc: dict[str, Any]) -> str | None:
    """The resource address of a plan/state object: its address, else mode.type.name."""
    if isinstance(doc.get("address"), str):
        return str(doc["address"])
    kind, name = doc.get("type"), doc.get("name")
    if isinstance(kind, str) and isinstance(name, str):
        return f"data.{kind}.{name}" if doc.get("mode") == "data" else f"{kind}.{name}"
    return None


def minted_at(token: str) -> datetime | None:
    """When an EKS token was signed: the X-Amz-Date of its presigned URL."""
    body = token[len(TOKEN_PREFIX) :]
    try:
        url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        stamp = parse_qs(urlsplit(url).query)["X-Amz-Date"][0]
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except (ValueError, KeyError, IndexError, UnicodeDecodeError):
        return None
