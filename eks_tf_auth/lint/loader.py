"""What lint reads: the paths given, expanded to Terraform modules (directories, following local
module sources) and plan artefacts (plans.py reads those). A configuration file given by name
brings its whole module directory with it, so that a flow across files is seen (pre-commit passes
only the staged files); the findings of the files it brought along are not reported. A directory
none of whose files mentions anything a rule looks for is never parsed: that is what keeps a large
tree fast.

Configuration files are recognised by name (`.tf`, `.tf.json`, `.tofu`, `.tofu.json`); where a
`.tofu` file and its `.tf` twin sit side by side, lint reads what OpenTofu reads, the `.tofu` one.
In a directory tree, a saved plan is recognised by
its content whatever its name (a zip holding a `tfplan` member), and so is plan JSON (an object
that opens with `format_version` and has `planned_values` or `prior_state`); only files that no
name accounts for are sniffed, by their first KiB. A file given by a name that does not say (a
Terraform SHOWFILE), a pipe (`/dev/stdin`, `<(terraform show -json tfplan)`) and standard input
(`-`) are read by their content: a zip is a saved plan, a JSON object with only Terraform block
keys is a configuration in the JSON syntax, any other JSON a plan or state, and anything else HCL.
What cannot be read is a problem (inputs.py reads everything, within its limits); nothing is ever
skipped as if it were empty."""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from eks_tf_auth.lint import plans, terragrunt
from eks_tf_auth.lint.flow import Flow
from eks_tf_auth.lint.hcl import (
    CONFIG_SUFFIXES,
    Block,
    SyntaxProblem,
    is_json_config,
    looks_like_json,
    parse_config,
    parser_process,
    shadowed,
    tofu_twin,
)
from eks_tf_auth.lint.inputs import (
    MAX_INPUT_BYTES,
    Unreadable,
    decode,
    parse_json,
    read_file,
    read_stream,
)
from eks_tf_auth.lint.model import Module, ModuleCall, Problem, Project
from eks_tf_auth.lint.syntax import string_literal

STDIN = "-"


class Scan:
    """A regular expression that is run only where one of `quick`, literal-led expressions one
    of which every match of it contains, matches: sre finds a leading literal at string-search
    speed, but tries an anchor, a word boundary or an alternation at every position of the text
    (on a 2,000-file tree, about 40 ms a pattern against 1)."""

    def __init__(self, full: str, *quick: str) -> None:
        self.full, self.quick = re.compile(full), [re.compile(q) for q in quick]

    def _may_match(self, text: str) -> bool:
        return any(q.search(text) for q in self.quick)

    def search(self, text: str) -> bool:
        return self._may_match(text) and self.full.search(text) is not None

    def findall(self, text: str) -> list[str]:
        return self.full.findall(text) if self._may_match(text) else []


SKIP_DIRS = frozenset({".terraform", ".git", "node_modules", ".venv"})
# Which directories are worth parsing is decided from the text alone (see select_directories):
# where a token source is declared, ...
SOURCE = re.compile(r'aws_eks_cluster_auth|data\s+"external"|"external"\s*:')
# ... what a one-directory rule looks for (ETA004, ETA007: a get-token line without JSON output;
# ETA009: a CA line without base64decode; ETA005 needs both of the two after) ...
LOCAL = re.compile(r'v1alpha1|^(?!.*(?:"--output"\s*,\s*"json"|--output=json)).*"get-token"', re.M)
CA_LINE = Scan(r'(?m)^.*\bcluster_ca_certificate"?\s*[=:].*$', r'cluster_ca_certificate"?\s*[=:]')
TOKEN_ATTRIBUTE = Scan(r'(?m)(?:^|[{,])\s*"?token"?\s*[=:]', r'token"?\s*[=:]')
EXEC = Scan(r'(?m)(?:^|[{,\s])"?exec"?\s*[={:]|dynamic\s+"exec"', r'exec(?:"?\s*[={:]|")')
# ... and local module calls, through which a token flows in (inputs) and out (outputs).
# In a parsed directory, files that can declare or carry a token path are parsed first; the others
# only where they name a symbol the dataflow found tainted (a resource reading local.token, say).
CORE_FILE = re.compile(
    r'aws_eks_cluster_auth|"external"|\b(?:token|exec)\b|v1alpha1|get-token'
    r'|\b(?:provider|locals|output|module)"?\s*[{":=]'
)  # blocks by their syntax (HCL or JSON), so that a description that says "module" is not one
# With `constraints` (--fix=ephemeral reads them), a versions.tf that holds only those.
CONSTRAINTS_FILE = re.compile(CORE_FILE.pattern + "|required_version|required_providers")
# ETA010: an aws provider that assumes a role or names a profile, and an exec block or an
# external program in the same module or in a local module it calls; there, the files that can
# hold either, the EKS data sources and module calls that say which aws provider reads the
# cluster, and locals.
IDENTITY = Scan(
    r'(?m)\bassume_role(?:_with_web_identity)?\b|^\s*"?profile"?\s*[=:]',
    r"assume_role(?:_with_web_identity)?\b",
    r'profile"?\s*[=:]',
)  # not assume_role_policy, which IAM roles in any tree have
IDENTITY_FILE = re.compile(
    r'(?m)\bassume_role|^\s*"?profile"?\s*[=:]|\bexec\b|aws_eks_cluster|"external"'
    r"|\bproviders\s*=|\blocals\b"
)
# A role or profile an aws provider sets, and the lines that pass one to an exec block.
IDENTITY_VALUE = Scan(
    r'(?m)^\s*"?(?:role_arn|profile)"?\s*[=:]\s*(.+?)\s*,?\s*$',
    r'role_arn"?\s*[=:]',
    r'profile"?\s*[=:]',
)
PASSED = Scan(
    r'\b(?:args|AWS_PROFILE|AWS_ROLE_ARN)\b"?\s*[=:]',
    r'args"?\s*[=:]',
    "AWS_PROFILE",
    "AWS_ROLE_ARN",
)
CALL = Scan(  # one-line blocks too
    r'(?m)(?:^|[{,])\s*"?source"?\s*[=:]\s*"(\.\.?/[^"]*)"', r'source"?\s*[=:]\s*"\.\.?/'
)
SNIFF_BYTES = 1024  # what is read of a file no name accounts for, to tell a plan by its content
_SNIFF_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def load(
    paths: Sequence[Path],
    *,
    cwd: Path | None = None,
    stdin: BinaryIO | None = None,
    constraints: bool = False,
) -> Project:
    """Read and parse what `paths` name; `stdin` is read where a path is `-`; `constraints`:
    the files that only hold version constraints too."""
    # A tree is read and scanned while a second process gets python-hcl2 ready (hcl.py).
    with parser_process(any(os.path.isdir(p) for p in paths)):
        return _load(paths, cwd=cwd, stdin=stdin, constraints=constraints)


def _load(
    paths: Sequence[Path], *, cwd: Path | None, stdin: BinaryIO | None, constraints: bool
) -> Project:
    project = Project()
    base = Path(os.path.abspath(cwd or Path.cwd()))
    inputs = _Inputs(project, base, stdin)
    texts = inputs.read(paths)
    project.context = {display(f, base) for f in inputs.beside - inputs.given}
    callers = _call_graph(texts, read=inputs.config_files)
    deferred: dict[str, dict[Path, str]] = {}  # files set aside, by directory
    todo = select_directories(texts) | {str(d) for d in inputs.sniffed.values()}
    identity_only = _identity_directories(texts, callers) - todo
    todo |= identity_only
    token_core = CONSTRAINTS_FILE if constraints else CORE_FILE
    while todo:
        for directory in sorted(todo):
            files = texts[directory]
            core = IDENTITY_FILE if directory in identity_only else token_core
            deferred[directory] = _parse_module(
                project, directory, files, base, inputs.sniffed, core
            )
        _link_calls(project)
        todo = _reached(project, callers) & set(texts)
    _parse_deferred(project, deferred, base)
    if inputs.terragrunt:  # what Terragrunt's .hcl files generate, by unit (terragrunt.py)
        terragrunt.add_units(
            project,
            inputs.terragrunt,
            texts,
            display=lambda p: display(p, base),
            module_files=module_files,
            worth=_worth_parsing,
            core=lambda text: CORE_FILE.search(text) is not None,
        )
    return project


def is_stream(path: Path) -> bool:
    """Standard input, a pipe or a device: neither a file nor a directory, so never rewritten."""
    if str(path) == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


class _Inputs:
    """Reads the paths given into configuration texts, by directory (a pipe's is its own
    "<name>!"); plans go into the project as they are read, and what cannot be read becomes a
    problem for that input alone."""

    def __init__(self, project: Project, base: Path, stdin: BinaryIO | None) -> None:
        self.project, self.base, self.stdin = project, base, stdin
        self.texts: dict[str, dict[Path, str]] = {}
        # Configurations known by their content, by file, with their directory: always parsed,
        # so that text that is neither (a tool's error message in a pipe) is a problem, not a pass.
        self.sniffed: dict[Path, str] = {}
        self.given: set[Path] = set()  # files named, or found in a directory named
        self.beside: set[Path] = set()  # files read because a file named lives beside them
        self._seen: set[Path] = set()
        self.terragrunt: dict[Path, str] = {}  # .hcl files, read for terragrunt.py

    def read(self, paths: Sequence[Path]) -> dict[str, dict[Path, str]]:
        for path in dict.fromkeys(paths):
            self._path(path)
        return self.texts

    def config_files(self, directory: str) -> dict[Path, str]:
        """The configuration files of a module directory that a call leads to."""
        for file in module_files(Path(directory)):
            self._file(file)
        return self.texts.pop(directory, {})

    def _path(self, path: Path) -> None:
        if str(path) == STDIN:
            self._guard(path, lambda: self._content(STDIN, self._stdin(), STDIN + "!", path))
            return
        try:
            mode = os.stat(path).st_mode
        except OSError as e:
            self._problem(path, Unreadable(f"cannot read: {e.strerror}"))
            return
        if stat.S_ISDIR(mode):
            for file, by_content in _expand(path):
                self.given.add(file)
                self._file(file, plan_only=by_content)
        elif stat.S_ISREG(mode):
            if not path.name.endswith(CONFIG_SUFFIXES):
                self.given.add(path)
                self._file(path)
                return
            siblings = module_files(path.parent)  # the rest of its module comes along
            twin = path.with_name(tofu_twin(path.name) or path.name)
            if twin in siblings:  # foo.tf beside foo.tofu: OpenTofu reads the twin instead
                path = twin
            self.given.add(path)
            for sibling in [path, *siblings]:
                self.beside.add(sibling)
                self._file(sibling)
        else:  # a pipe the user named (or a device, which read_file refuses unopened)
            shown = display(path, self.base)
            self._guard(
                path,
                lambda: self._content(
                    shown, read_file(path, limit=MAX_INPUT_BYTES, pipes=True), shown + "!", path
                ),
            )

    def _file(self, file: Path, *, plan_only: bool = False) -> None:
        """Read a file once; `plan_only`: a file found by its content, which is read as a plan
        if it is one and otherwise left alone."""
        if file in self._seen:
            return
        self._seen.add(file)
        if terragrunt.is_config(file.name):
            self._guard(file, lambda: self.terragrunt.__setitem__(file, _read_text(file)))
        elif file.name.endswith(CONFIG_SUFFIXES):  # by name: no sniffing in a large tree
            self._guard(file, lambda: self._config(file.parent, file, _read_text(file)))
        else:
            self._guard(
                file,
                lambda: self._content(
                    display(file, self.base),
                    read_file(file, limit=MAX_INPUT_BYTES),
                    str(file.parent),
                    file,
                    plan_only=plan_only,
                ),
            )

    def _stdin(self) -> bytes:
        if self.stdin is None:
            raise Unreadable("no standard input to read")
        return read_stream(self.stdin, MAX_INPUT_BYTES)

    def _content(
        self,
        shown: str,
        data: bytes,
        directory: str | Path,
        file: Path,
        *,
        plan_only: bool = False,
    ) -> None:
        """An input known by its content: a saved plan, plan or state JSON, or a configuration."""
        if data.startswith(plans.ZIP_MAGIC):
            plans.read_saved_plan(self.project, io.BytesIO(data), shown)
            return
        if plan_only:  # found in a tree by its first KiB: plan JSON, or nothing of ours
            doc = parse_json(decode(data))
            if plans.is_plan_json(doc):
                plans.collect_tokens(self.project, shown, doc)
            return
        text = decode(data)
        if not text or text.isspace():
            raise Unreadable("empty: neither a plan nor a configuration")
        if not file.name.endswith(".json") and not looks_like_json(text):
            self._config(directory, file, text)  # HCL
            self.sniffed[file] = str(directory)
            return
        doc = parse_json(text)
        plans.check_not_encrypted(doc)
        if is_json_config(doc) and not file.name.endswith(plans.PLAN_SUFFIXES):
            self._config(directory, file, text)
            self.sniffed[file] = str(directory)
        else:
            plans.collect_tokens(self.project, shown, doc)

    def _config(self, directory: str | Path, file: Path, text: str) -> None:
        self.texts.setdefault(str(directory), {})[file] = text

    def _guard(self, path: Path, read: Callable[[], None]) -> None:
        try:
            read()
        except Unreadable as e:
            self._problem(path, e)
        except MemoryError:  # a document too big for this machine: a problem, not a crash
            self._problem(path, Unreadable("out of memory reading it"))

    def _problem(self, path: Path, e: Unreadable) -> None:
        shown = display(path, self.base)  # only here: naming every file would cost a large tree
        self.project.problems.append(Problem(shown, e.line, e.column, e.message))


def _read_text(file: Path) -> str:
    return decode(read_file(file, limit=MAX_INPUT_BYTES))


def select_directories(texts: dict[str, dict[Path, str]]) -> set[str]:
    """Where lint starts parsing, from the text alone: directories that declare a token source
    or whose text a one-directory rule matches. More are parsed only where the dataflow reaches
    them (see `_reached`)."""
    return {d for d, files in texts.items() if _worth_parsing("\n".join(files.values()))}


def _worth_parsing(text: str) -> bool:
    # Substring tests (and Scan's literal-led ones) first: the full expressions run only where
    # they can match.
    if ("aws_eks_cluster_auth" in text or "external" in text) and SOURCE.search(text):
        return True
    if ("v1alpha1" in text or '"get-token"' in text) and LOCAL.search(text):
        return True
    if any("base64decode" not in line for line in CA_LINE.findall(text)):
        return True
    return TOKEN_ATTRIBUTE.search(text) and EXEC.search(text)


def _identity_directories(
    texts: dict[str, dict[Path, str]], callers: dict[str, set[str]]
) -> set[str]:
    """Where ETA010 looks: a module whose aws provider assumes a role or names a profile, if it
    or a local module it calls runs an exec block or an external program."""
    named = {d for d, files in texts.items() if any(IDENTITY.search(t) for t in files.values())}
    if not named:
        return set()
    near = named | {child for child, parents in callers.items() if parents & named}
    runs = {d for d in near & texts.keys() if any(_runs(t) for t in texts[d].values())}
    settled = {d for d in named & runs if _settled(texts[d].values())}
    called = {child for child, parents in callers.items() if parents & named and child in runs}
    return ((named & runs) - settled) | called | {p for c in called for p in callers[c] & named}


def _runs(text: str) -> bool:
    return EXEC.search(text) or ("external" in text and SOURCE.search(text) is not None)


def _settled(files: Collection[str]) -> bool:
    """Whether every exec block of a module (its files' texts) already passes every role and
    profile its aws providers set, on its args (or env) line, as written: then ETA010 has
    nothing to report there and the module is not parsed for it. Where that cannot be seen on
    one line (a list over several lines), it is parsed."""
    values = {v for text in files for v in IDENTITY_VALUE.findall(text)}
    execs = sum(len(EXEC.findall(text)) for text in files)
    passing = [
        line
        for text in files
        if PASSED.search(text)
        for line in text.splitlines()
        if PASSED.search(line)
    ]
    return all(sum(v in line for line in passing) >= execs for v in values)


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
    """A POSIX path relative to `base` where it lies below it; standard input is `-`."""
    if str(path) == STDIN:
        return STDIN
    p = Path(os.path.abspath(path))  # not resolve(): name the path given, not a link's target
    try:
        return p.relative_to(base).as_posix()
    except ValueError:
        return Path(path).as_posix()


def module_files(directory: Path) -> list[Path]:
    """The configuration files of a module directory (none, if it cannot be listed)."""
    try:
        with os.scandir(directory) as entries:
            names = {e.name for e in entries if e.name.endswith(CONFIG_SUFFIXES)}
    except OSError:
        return []
    return [directory / name for name in sorted(names) if not shadowed(name, names)]


def _expand(directory: Path) -> Iterator[tuple[Path, bool]]:
    """The files of a directory tree that lint reads: recognised by name, or (True) a regular
    file that no name accounts for whose first KiB says it is a plan."""
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        names = set(files)
        for name in sorted(files):
            if shadowed(name, names):  # OpenTofu reads its .tofu twin instead
                continue
            if (
                name.endswith(CONFIG_SUFFIXES + plans.PLAN_SUFFIXES)
                or name == "tfplan"
                or terragrunt.is_config(name)
            ):
                yield Path(root) / name, False
            elif _plan_by_content(os.path.join(root, name)):
                yield Path(root) / name, True


def _plan_by_content(path: str) -> bool:
    """Whether a regular file starts as a saved plan or plan JSON does; anything else in a tree
    (a FIFO, a device, a file lint may not read) is none of lint's business and left unopened."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        fd = os.open(path, _SNIFF_FLAGS)
    except OSError:
        return False
    try:
        head = os.read(fd, SNIFF_BYTES)
    except OSError:
        return False
    finally:
        os.close(fd)
    if head.startswith(plans.ZIP_MAGIC):
        return plans.is_saved_plan(path)
    return plans.starts_as_plan_json(head)


def _parse_module(
    project: Project,
    directory: str,
    texts: dict[Path, str],
    base: Path,
    always: Collection[Path],
    core: re.Pattern[str] = CORE_FILE,
) -> dict[Path, str]:
    """Parse the files of a directory that `core` says can matter (declare or carry a token
    path, by default), and those in `always`; return the others, set aside."""
    module = Module(directory)
    project.modules[directory] = module
    parsed = {f: t for f, t in texts.items() if f in always or core.search(t)}
    _parse_files(project, module, parsed, base)
    return {f: t for f, t in texts.items() if f not in parsed}


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
            module.unparsed.append(shown)
        except MemoryError:
            project.problems.append(Problem(shown, 1, 1, "out of memory parsing it"))
            module.unparsed.append(shown)


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
    literal = string_literal(source.expr) if source else None
    if literal and literal.startswith(("./", "../")):
        return os.path.normpath(os.path.join(directory, literal))
    return None
