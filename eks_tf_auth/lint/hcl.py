"""lint's Terraform parser, the only module that imports python-hcl2 (and lark): `.tf` and
`.tf.json` files become `Block`s and `Attribute`s that carry their source positions and the
references in each expression. For a directory tree, the import, the grammar and the parsing
happen in a second process (worker.py) that starts as lint starts reading.

References are found in the expression's source text by a small scanner: code is searched, string
literals are not (a mention in a plain string is never a reference), but `${...}` interpolations
inside strings and heredoc templates are, as Terraform evaluates them.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eks_tf_auth.errors import InputError
from eks_tf_auth.lint import worker
from eks_tf_auth.lint.inputs import MAX_HCL_BYTES, MIB, Unreadable, parse_json, position

CONFIG_SUFFIXES = (".tf", ".tf.json", ".tofu", ".tofu.json")
# OpenTofu reads foo.tofu instead of foo.tf, and foo.tofu.json instead of foo.tf.json, where both
# sit in one directory (Terraform never reads the .tofu ones).
_TOFU_TWINS = ((".tf.json", ".tofu.json"), (".tf", ".tofu"))
_REFERENCE = re.compile(
    r"(?<![\w.\-])(?:"
    r"(?:data|ephemeral)\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*"
    r"|(?:local|var)\.[A-Za-z_][\w-]*"
    r"|module\.[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)?"
    r")"
)
_HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)[ \t]*\n")
_JSON_OBJECT = re.compile(r"\s*\{")  # how a JSON document starts, and HCL never does
MAX_NESTING = 32  # blocks in blocks: real configurations nest a handful deep
MAX_QUOTED = 20  # characters of an unexpected token shown in a syntax error
# The top-level keys of Terraform's JSON syntax ("//" is a comment).
JSON_CONFIG_KEYS = frozenset(
    {"//", "terraform", "provider", "variable", "output", "locals", "module", "resource"}
    | {"data", "ephemeral", "check", "import", "moved", "removed"}
)


@dataclass(frozen=True)
class Attribute:
    name: str
    line: int
    column: int
    start: int  # offset of the attribute (its name) in the file text
    end: int  # offset just past its expression
    expr: str  # the expression's source text
    refs: tuple[str, ...]  # data.x.y / ephemeral.x.y / local.x / var.x / module.m[.out]
    # An object constructor's elements by key (`kubernetes = { token = ... }`), each with its
    # own position; empty for any other expression.
    items: Mapping[str, Attribute] = field(default_factory=dict)

    @property
    def expr_start(self) -> int:
        """Offset of the expression in the file text."""
        return self.end - len(self.expr)


@dataclass(frozen=True)
class Block:
    path: str
    kind: str  # provider, data, resource, module, locals, variable, output, exec, ...
    labels: tuple[str, ...]
    line: int
    column: int
    # The block's text; in the JSON syntax, the member (or array element) that holds it and
    # nothing else, which is what removing the block removes.
    start: int
    end: int
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    @property
    def address(self) -> str:
        return ".".join((self.kind, *self.labels)) if self.labels else self.kind

    def walk(self) -> Iterator[Block]:
        yield self
        for b in self.blocks:
            yield from b.walk()

    def all_attributes(self) -> Iterator[Attribute]:
        for b in self.walk():
            yield from b.attributes.values()


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str
    blocks: tuple[Block, ...]


def references(expr: str) -> tuple[str, ...]:
    """References in an expression's source text, in order, without duplicates."""
    return tuple(dict.fromkeys(m.group(0) for m in _REFERENCE.finditer(_code_only(expr))))


def code(expr: str) -> str:
    """The code Terraform evaluates in an expression: string literals and comments blanked,
    interpolations kept (a .tf.json value is a string: its interpolations are the code)."""
    return _code_only(expr)


def template_references(text: str) -> tuple[str, ...]:
    """References in a string template's `${...}` interpolations (.tf.json values)."""
    return references(json.dumps(text))


def _code_only(expr: str) -> str:
    """The expression with string literals and comments blanked out, except for the code in
    `${...}` interpolations and heredoc templates, which is kept."""
    out: list[str] = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c == '"':
            i = _template(expr, i + 1, out, closing='"')
        elif c == "<" and (m := _HEREDOC.match(expr, i)):
            end = re.compile(rf"^[ \t]*{re.escape(m.group(1))}[ \t]*$", re.M).search(expr, m.end())
            body_end = end.start() if end else n
            _template_body(expr[m.end() : body_end], out)
            i = end.end() if end else n
        elif c == "#" or expr.startswith("//", i):
            j = expr.find("\n", i)
            i = n if j < 0 else j
        elif expr.startswith("/*", i):
            j = expr.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
            continue
        out.append(" ")  # a literal or comment ends a token
    return "".join(out)


def _template(expr: str, i: int, out: list[str], *, closing: str) -> int:
    """Scan a quoted template from just after its opening quote; return the index after it."""
    n = len(expr)
    while i < n:
        c = expr[i]
        if c == "\\":
            i += 2
        elif c == closing:
            return i + 1
        elif expr.startswith("$${", i) or expr.startswith("%%{", i):
            i += 3
        elif expr.startswith(("${", "%{"), i):
            i = _interpolation(expr, i + 2, out)
        else:
            i += 1
    return n


def _template_body(body: str, out: list[str]) -> None:
    i = 0
    while i < len(body):
        if body.startswith(("$${", "%%{"), i):
            i += 3
        elif body.startswith(("${", "%{"), i):
            i = _interpolation(body, i + 2, out)
        else:
            i += 1


def _interpolation(expr: str, i: int, out: list[str]) -> int:
    """Copy the code of an interpolation (nested strings handled); return the index after `}`."""
    depth, n = 1, len(expr)
    while i < n:
        c = expr[i]
        if c == '"':
            i = _template(expr, i + 1, out, closing='"')
            out.append(" ")
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                out.append(" ")
                return i + 1
        out.append(c)
        i += 1
    return n


def tofu_twin(name: str) -> str | None:
    """The name of the `.tofu` file that OpenTofu reads instead of `name`, if it is a .tf one."""
    for suffix, twin in _TOFU_TWINS:
        if name.endswith(suffix):
            return name[: -len(suffix)] + twin
    return None


def shadowed(name: str, names: Collection[str]) -> bool:
    """Whether OpenTofu ignores the configuration file `name` because its `.tofu` twin is among
    the `names` of its directory."""
    return tofu_twin(name) in names


def parse_config(path: str, text: str) -> SourceFile:
    """Parse a configuration file: the JSON syntax for `.json` names, HCL for `.tf` and `.tofu`;
    any other name (a pipe, standard input) by its text, as HCL never starts with `{`."""
    if path.endswith(".json") or (not path.endswith((".tf", ".tofu")) and looks_like_json(text)):
        return parse_json_config(path, text)
    return parse_hcl(path, text)


def looks_like_json(text: str) -> bool:
    """Whether a text starts as a JSON object does (a configuration in HCL never does)."""
    return _JSON_OBJECT.match(text) is not None


_worker: worker.Worker | None = None  # the second process parse_hcl asks, inside parser_process


@contextmanager
def parser_process(wanted: bool) -> Iterator[None]:
    """Where `wanted` (and worker.usable()), python-hcl2 is imported, and its grammar loaded, in
    a second process from here on, while this one goes on reading; parse_hcl then asks it."""
    global _worker
    started = worker.Worker.start(_warm, _parse_in_worker) if wanted and worker.usable() else None
    _worker = started
    try:
        yield
    finally:
        _worker = None
        if started is not None:
            started.stop()


def _warm() -> None:
    from hcl2.parser import parser

    parser()


def _parse_in_worker(request: tuple[str, str]) -> tuple[Any, ...]:
    """The worker's answer: the parsed file, its syntax problem, "memory", or "here" for
    anything else (an error of ours: the parent parses the file itself and reports it)."""
    try:
        return ("file", _parse_here(*request))
    except SyntaxProblem as e:
        return ("syntax", e.path, e.line, e.column, e.detail)
    except MemoryError:
        return ("memory",)
    except Exception:
        return ("here",)


def parse_hcl(path: str, text: str) -> SourceFile:
    """Parse a .tf file; a syntax error is an InputError with the line and column, and a file
    over MAX_HCL_BYTES is refused unparsed (parsing takes ~12 s and ~250 MB per MiB). Inside
    parser_process, the second process parses it where it can."""
    if len(text) > MAX_HCL_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_HCL_BYTES:
        raise SyntaxProblem(
            path, 1, 1, f"larger than the {MAX_HCL_BYTES // MIB} MiB limit for HCL; not parsed"
        )
    reply = _worker.ask((path, text)) if _worker is not None else None
    if reply is None or reply[0] == "here":
        return _parse_here(path, text)
    if reply[0] == "syntax":
        raise SyntaxProblem(*reply[1:])
    if reply[0] == "memory":
        raise MemoryError
    parsed: SourceFile = reply[1]
    return parsed


def _parse_here(path: str, text: str) -> SourceFile:
    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as e:
        line, column = (e.line, e.column) if e.line > 0 else position(text, len(text))  # EOF
        raise SyntaxProblem(path, line, column, _unexpected(e)) from e
    except RecursionError as e:
        raise SyntaxProblem(path, 1, 1, "nested too deeply") from e
    except (LarkError, ValueError) as e:
        raise SyntaxProblem(path, 1, 1, _first_line(str(e)) or type(e).__name__) from e
    return SourceFile(path, text, tuple(_blocks(tree, path, text)))


class SyntaxProblem(InputError):
    """A file that does not parse: `path:line:col: message`, on one line."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        message = " ".join(message.split())
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.detail = path, line, column, message


def _unexpected(e: Exception) -> str:
    """What the parser stumbled on, in a few words: lark's message quotes the token's whole
    text (the rest of the file, for an unterminated string) and lists every expected terminal."""
    from lark import Token
    from lark.exceptions import UnexpectedCharacters

    if isinstance(e, UnexpectedCharacters):
        return f"unexpected character {e.char!r}"
    found = getattr(e, "token", None)
    if not isinstance(found, Token) or found.type in ("$END", "<EOF>"):
        return "unexpected end of file"
    first = str(found).split("\n", 1)[0]
    if not first:
        return "unexpected end of line"
    return f"unexpected {first[:MAX_QUOTED]!r}{'...' if len(first) > MAX_QUOTED else ''}"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _blocks(tree: Any, path: str, text: str) -> Iterator[Block]:
    from lark import Tree

    body = tree.children[0] if tree.data == "start" else tree
    for node in body.children:
        if isinstance(node, Tree) and node.data == "block":
            yield _block(node, path, text, 1)


def _block(node: Any, path: str, text: str, depth: int) -> Block:
    from lark import Tree

    m = node.meta
    if depth > MAX_NESTING:
        raise SyntaxProblem(path, m.line, m.column, f"blocks nested more than {MAX_NESTING} deep")
    kind = _identifier(node.children[0])
    parts = [c for c in node.children[1:] if isinstance(c, Tree)]
    labels = [_label(c, text) for c in parts if c.data in ("string", "identifier")]
    items = [i for c in parts if c.data == "body" for i in c.children if isinstance(i, Tree)]
    attributes = {a.name: a for a in (_attribute(i, text) for i in items if i.data == "attribute")}
    blocks = tuple(_block(i, path, text, depth + 1) for i in items if i.data == "block")
    return Block(
        path, kind, tuple(labels), m.line, m.column, m.start_pos, m.end_pos, attributes, blocks
    )


def _attribute(node: Any, text: str) -> Attribute:
    return _element(_identifier(node.children[0]), node, text)


def _element(name: str, node: Any, text: str) -> Attribute:
    """An attribute or an object constructor's element: `name = expression`."""
    expr_node = node.children[-1]
    em, m = expr_node.meta, node.meta
    expr = text[em.start_pos : em.end_pos]
    items = _object_items(expr_node, text)
    return Attribute(name, m.line, m.column, m.start_pos, m.end_pos, expr, references(expr), items)


def _object_items(expr_node: Any, text: str) -> dict[str, Attribute]:
    """The elements of an object constructor whose keys are names or plain strings."""
    from lark import Tree

    inner = expr_node.children[0] if expr_node.children else None
    if not (isinstance(inner, Tree) and inner.data == "object"):
        return {}
    items: dict[str, Attribute] = {}
    for elem in inner.children:
        if not (isinstance(elem, Tree) and elem.data == "object_elem"):
            continue
        key = elem.children[0].children[0].children[0]  # object_elem_key > expr_term > ...
        if isinstance(key, Tree) and key.data == "identifier":
            items[_identifier(key)] = _element(_identifier(key), elem, text)
        elif isinstance(key, Tree) and key.data == "string":
            name = text[key.meta.start_pos + 1 : key.meta.end_pos - 1]
            if not any(c in name for c in "\\${}"):  # a plain "name", not a template
                items[name] = _element(name, elem, text)
    return items


def _identifier(node: Any) -> str:
    from lark import Token

    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


def _label(node: Any, text: str) -> str:
    if node.data == "identifier":
        return _identifier(node)
    return text[node.meta.start_pos : node.meta.end_pos][1:-1]  # a label is a plain "string"


def parse_json_config(path: str, text: str) -> SourceFile:
    """Parse a .tf.json file (Terraform's JSON syntax); values are templates. Blocks and
    attributes carry their exact positions, as in HCL, so that --fix can edit the text."""
    try:
        doc = parse_json(text)  # validates, with the messages and limits of every JSON input
    except Unreadable as e:
        raise SyntaxProblem(path, e.line, e.column, e.message) from e
    if not isinstance(doc, dict):
        raise SyntaxProblem(path, 1, 1, "a .tf.json file must hold a JSON object")
    where = _Lines(text)
    try:
        root = json_tree(text)
        blocks = [
            b
            for member in root.members
            for b in _json_blocks(path, member.key, member, where, _member_span(member))
        ]
    except RecursionError as e:  # a value nested almost as deep as the JSON parser allows
        raise SyntaxProblem(path, 1, 1, "nested too deeply") from e
    return SourceFile(path, text, tuple(blocks))


def is_json_config(doc: object) -> bool:
    """Whether a JSON document is a configuration in Terraform's JSON syntax (rather than a plan
    or state): an object with only top-level block keys."""
    return isinstance(doc, dict) and bool(doc) and set(doc) <= JSON_CONFIG_KEYS


@dataclass(frozen=True)
class JsonNode:
    """A JSON value with its span in the text: an object's members, an array's items, or a
    scalar (`string` holds a string's decoded value)."""

    start: int
    end: int
    kind: str = "scalar"  # object, array or scalar
    members: tuple[JsonMember, ...] = ()
    items: tuple[JsonNode, ...] = ()
    string: str | None = None


@dataclass(frozen=True)
class JsonMember:
    key: str
    start: int  # the key's opening quote
    value: JsonNode


@dataclass
class _Open:
    """An object or array being read: its start, what it holds so far, a key awaiting its value."""

    kind: str
    start: int
    members: list[JsonMember] = field(default_factory=list)
    items: list[JsonNode] = field(default_factory=list)
    key: tuple[str, int] | None = None

    def add(self, node: JsonNode) -> None:
        if self.key is None:
            self.items.append(node)
        else:
            self.members.append(JsonMember(self.key[0], self.key[1], node))
            self.key = None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def json_tree(text: str) -> JsonNode:
    """The spans of a JSON document that json.loads accepts, read without recursion."""
    stack: list[_Open] = [_Open("document", 0)]
    for m in _JSON_TOKEN.finditer(text):
        token, at = m.group(0), m.start()
        top = stack[-1]
        if token in ("{", "["):
            stack.append(_Open("object" if token == "{" else "array", at))
        elif token in ("}", "]"):
            done = stack.pop()
            node = JsonNode(done.start, m.end(), done.kind, tuple(done.members), tuple(done.items))
            stack[-1].add(node)
        elif token in (",", ":"):
            continue
        elif token.startswith('"') and top.kind == "object" and top.key is None:
            top.key = (json.loads(token), at)
        else:
            string = json.loads(token) if token.startswith('"') else None
            top.add(JsonNode(at, m.end(), string=string))
    [root] = stack[0].items  # json.loads accepted the text: one value
    return root


class _Lines:
    """Line and column of an offset, from one pass over the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


# How many labels each block type has in the JSON syntax.
_JSON_LABELS = {
    "provider": 1,
    "data": 2,
    "resource": 2,
    "ephemeral": 2,
    "module": 1,
    "output": 1,
    "variable": 1,
    "locals": 0,
    "terraform": 0,
}
# Nested blocks lint looks into, by the number of labels they take.
_JSON_NESTED = {"exec": 0, "kubernetes": 0, "provisioner": 1, "connection": 0, "dynamic": 1}
_Span = tuple[int, int]


def _member_span(member: JsonMember) -> _Span:
    return (member.start, member.value.end)


def _narrower(container: JsonNode, child: _Span, outer: _Span) -> _Span:
    """What removing a child of `container` removes: the child, or the `outer` span that holds
    the container when the child is all the container holds."""
    return outer if len(container.members) + len(container.items) == 1 else child


def _json_blocks(
    path: str, kind: str, member: JsonMember, where: _Lines, span: _Span
) -> Iterator[Block]:
    depth = _JSON_LABELS.get(kind)
    if depth is None:
        return
    for labels, body, line_at, body_span in _json_label_walk(member.value, depth, member, span):
        yield _json_block(path, kind, tuple(labels), body, where, line_at, body_span, 1)


def _json_label_walk(
    value: JsonNode, depth: int, holder: JsonMember, span: _Span
) -> Iterator[tuple[list[str], JsonNode, int, _Span]]:
    """(labels, body, offset of the line to report, span to remove) for each block under a
    key: objects of labels `depth` deep, and at each level an array of such objects."""
    items = value.items if value.kind == "array" else (value,)
    for item in items:
        item_span = (
            _narrower(value, (item.start, item.end), span) if value.kind == "array" else span
        )
        if item.kind != "object":
            continue
        if depth == 0:
            at = item.start if value.kind == "array" else holder.start
            yield [], item, at, item_span
            continue
        for member in item.members:
            child_span = _narrower(item, _member_span(member), item_span)
            for rest, body, at, body_span in _json_label_walk(
                member.value, depth - 1, member, child_span
            ):
                yield [member.key, *rest], body, at, body_span


def _json_block(
    path: str,
    kind: str,
    labels: tuple[str, ...],
    body: JsonNode,
    where: _Lines,
    at: int,
    span: _Span,
    depth: int,
) -> Block:
    line, column = where.at(at)
    if depth > MAX_NESTING:
        raise SyntaxProblem(path, line, column, f"blocks nested more than {MAX_NESTING} deep")
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    nested = dict(_JSON_NESTED, content=0) if kind == "dynamic" else _JSON_NESTED
    for member in body.members:
        key, value = member.key, member.value
        labels_of = nested.get(key)
        if labels_of is not None and value.kind in ("object", "array"):
            child_span = _member_span(member)  # never the block it is nested in
            blocks += [
                _json_block(path, key, tuple(sub), b, where, b_at, b_span, depth + 1)
                for sub, b, b_at, b_span in _json_label_walk(value, labels_of, member, child_span)
            ]
            continue
        attributes[key] = _json_attribute(member, where, 0)
    return Block(path, kind, labels, line, column, span[0], span[1], attributes, tuple(blocks))


def _json_attribute(member: JsonMember, where: _Lines, depth: int) -> Attribute:
    value = member.value
    line, column = where.at(member.start)
    refs = tuple(dict.fromkeys(r for s in _strings(value) for r in template_references(s)))
    items = (
        {m.key: _json_attribute(m, where, depth + 1) for m in value.members}
        if depth < MAX_NESTING
        else {}
    )
    expr = where.text[value.start : value.end]
    return Attribute(member.key, line, column, member.start, value.end, expr, refs, items)


def _strings(value: JsonNode) -> Iterator[str]:
    """The strings in a JSON value, in document order (without recursion: values nest deep)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node.string is not None:
            yield node.string
        stack.extend(reversed([*node.items, *(m.value for m in node.members)]))
