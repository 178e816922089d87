"""lint's Terraform parser, the only module that imports python-hcl2 (and lark): `.tf` and
`.tf.json` files become `Block`s and `Attribute`s that carry their source positions and the
references in each expression.

References are found in the expression's source text by a small scanner: code is searched, string
literals are not (a mention in a plain string is never a reference), but `${...}` interpolations
inside strings and heredoc templates are, as Terraform evaluates them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from eks_tf_auth.errors import InputError
from eks_tf_auth.lint.inputs import MAX_HCL_BYTES, MIB, Unreadable, parse_json, position

CONFIG_SUFFIXES = (".tf", ".tf.json", ".tofu")
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


@dataclass(frozen=True)
class Block:
    path: str
    kind: str  # provider, data, resource, module, locals, variable, output, exec, ...
    labels: tuple[str, ...]
    line: int
    column: int
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


def parse_config(path: str, text: str) -> SourceFile:
    """Parse a configuration file: the JSON syntax for `.json` names, HCL for `.tf` and `.tofu`;
    any other name (a pipe, standard input) by its text, as HCL never starts with `{`."""
    if path.endswith(".json") or (not path.endswith((".tf", ".tofu")) and looks_like_json(text)):
        return parse_json_config(path, text)
    return parse_hcl(path, text)


def looks_like_json(text: str) -> bool:
    """Whether a text starts as a JSON object does (a configuration in HCL never does)."""
    return _JSON_OBJECT.match(text) is not None


def parse_hcl(path: str, text: str) -> SourceFile:
    """Parse a .tf file; a syntax error is an InputError with the line and column, and a file
    over MAX_HCL_BYTES is refused unparsed (parsing takes ~12 s and ~250 MB per MiB)."""
    if len(text) > MAX_HCL_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_HCL_BYTES:
        raise SyntaxProblem(
            path, 1, 1, f"larger than the {MAX_HCL_BYTES // MIB} MiB limit for HCL; not parsed"
        )
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
    name = _identifier(node.children[0])
    expr_node = node.children[-1]
    em = expr_node.meta
    expr = text[em.start_pos : em.end_pos]
    m = node.meta
    return Attribute(name, m.line, m.column, m.start_pos, m.end_pos, expr, references(expr))


def _identifier(node: Any) -> str:
    from lark import Token

    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


def _label(node: Any, text: str) -> str:
    if node.data == "identifier":
        return _identifier(node)
    return text[node.meta.start_pos : node.meta.end_pos][1:-1]  # a label is a plain "string"


def parse_json_config(path: str, text: str) -> SourceFile:
    """Parse a .tf.json file (Terraform's JSON syntax); values are templates."""
    try:
        doc = parse_json(text)
    except Unreadable as e:
        raise SyntaxProblem(path, e.line, e.column, e.message) from e
    if not isinstance(doc, dict):
        raise SyntaxProblem(path, 1, 1, "a .tf.json file must hold a JSON object")
    locator = _JsonLocator(text)
    try:
        blocks = [b for k, v in doc.items() for b in _json_blocks(path, k, v, locator)]
    except RecursionError as e:  # a value nested almost as deep as the JSON parser allows
        raise SyntaxProblem(path, 1, 1, "nested too deeply") from e
    return SourceFile(path, text, tuple(blocks))


def is_json_config(doc: object) -> bool:
    """Whether a JSON document is a configuration in Terraform's JSON syntax (rather than a plan
    or state): an object with only top-level block keys."""
    return isinstance(doc, dict) and bool(doc) and set(doc) <= JSON_CONFIG_KEYS


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


def _json_blocks(path: str, kind: str, value: Any, locator: _JsonLocator) -> Iterator[Block]:
    depth = _JSON_LABELS.get(kind)
    if depth is None:
        return
    for labels, body in _json_label_walk(value, depth):
        for item in body if isinstance(body, list) else [body]:
            if isinstance(item, dict):
                yield _json_block(path, kind, tuple(labels), item, locator, 1)


def _json_label_walk(value: Any, depth: int) -> Iterator[tuple[list[str], Any]]:
    if depth == 0:
        yield [], value
        return
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            for key, sub in item.items():
                for rest, body in _json_label_walk(sub, depth - 1):
                    yield [key, *rest], body


_JSON_NESTED = ("exec", "kubernetes", "provisioner", "connection", "dynamic")


def _json_block(
    path: str,
    kind: str,
    labels: tuple[str, ...],
    body: dict[str, Any],
    locator: _JsonLocator,
    depth: int,
) -> Block:
    line = locator.line_of(labels[-1] if labels else kind)
    if depth > MAX_NESTING:
        raise SyntaxProblem(path, line, 1, f"blocks nested more than {MAX_NESTING} deep")
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for key, value in body.items():
        if key in _JSON_NESTED and isinstance(value, (dict, list)):
            items = value if isinstance(value, list) else [value]
            blocks += [
                _json_block(path, key, (), i, locator, depth + 1)
                for i in items
                if isinstance(i, dict)
            ]
            continue
        text = json.dumps(value)
        refs = tuple(dict.fromkeys(r for s in _strings(value) for r in template_references(s)))
        at = locator.line_of(key)
        attributes[key] = Attribute(key, at, 1, 0, 0, text, refs)
    return Block(path, kind, labels, line, 1, 0, 0, attributes, tuple(blocks))


def _strings(value: Any) -> Iterator[str]:
    """The strings in a JSON value, in document order (without recursion: values nest deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(reversed(item.values()))
        elif isinstance(item, list):
            stack.extend(reversed(item))


class _JsonLocator:
    """Approximate line numbers for keys in a JSON document: the next occurrence of the key."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1  # the line of _pos, counted as it moves on: one pass over the text

    def line_of(self, key: str) -> int:
        found = self._text.find(json.dumps(key), self._pos)
        if found < 0:
            return 1
        self._line += self._text.count("\n", self._pos, found)
        self._pos = found + 1
        return self._line
