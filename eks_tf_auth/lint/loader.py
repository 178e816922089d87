"""What lint reads: the paths given, expanded to Terraform modules (directories, following local
module sources) and plan artefacts (plans.py reads those). A directory none of whose files
mentions anything a rule looks for is never parsed: that is what keeps a large tree fast."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from eks_tf_auth.lint import plans
from eks_tf_auth.lint.flow import Flow
from eks_tf_auth.lint.hcl import CONFIG_SUFFIXES, Block, SyntaxProblem, parse_config
from eks_tf_auth.lint.model import Module, ModuleCall, Problem, Project

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
                if (text := _read(project, file, base)) is not None:
                    plans.read_plan_json(project, display(file, base), text)
            else:
                plans.read_saved_plan(project, file, display(file, base))
    texts = {d: _read_all(project, files, base) for d, files in configs.items()}
    callers = _call_graph(texts, read=lambda d: _read_dir(project, d, base))
    deferred: dict[str, dict[Path, str]] = {}  # files set aside, by directory
    todo = select_directories(texts)
    while todo:
        for directory in sorted(todo):
            deferred[directory] = _parse_module(project, directory, texts[directory], base)
        _link_calls(project)
        todo = _reached(project, callers) & set(texts)
    _parse_deferred(project, deferred, base)
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
            if name.endswith(CONFIG_SUFFIXES + plans.PLAN_SUFFIXES) or name == "tfplan":
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


def _parse_module(
    project: Project, directory: str, texts: dict[Path, str], base: Path
) -> dict[Path, str]:
    """Parse the files of a directory that can declare or carry a token path; return the others,
    set aside."""
    module = Module(directory)
    project.modules[directory] = module
    core = {f: t for f, t in texts.items() if CORE_FILE.search(t)}
    _parse_files(project, module, core, base)
    return {f: t for f, t in texts.items() if f not in core}


def _parse_deferred(project: Project, deferred: dict[str, dict[Path, str]], base: Path) -> None:
    """Parse the files set aside that name a tainted symbol of their module."""
    flow = Flow(project)
    for directory, files in deferred.items():
        symbols = flow.symbols(directory)
        wanted = {f: t for f, t in files.items() if any(s in t for s in symbols)}
        _parse_files(project, project.modules[directory], wanted, base)


def _parse_files(project: Project, module: Module, texts: dict[Path, str], base: Path) -> None:
    for file, text in sorted(texts.items()):
        shown = display(file, base)
        project.lines[shown] = text.splitlines()
        try:
            module.files.append(parse_config(shown, text))
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
