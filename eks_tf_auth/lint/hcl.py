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

CONFIG_SUFFIXES = (".tf", ".tf.json", ".tofu")
_REFERENCE = re.compile(
    r"(?<![\w.\-])(?:"
    r"(?:data|ephemeral)\.[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*"
    r"|(?:local|var)\.[A-Za-z_][\w-]*"
    r"|module\.[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)?"
    r")"
)
_HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)[ \t]*\n")


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
    """Parse a configuration file by its name: the JSON syntax for `.json`, else HCL."""
    return parse_json_config(path, text) if path.endswith(".json") else parse_hcl(path, text)


def parse_hcl(path: str, text: str) -> SourceFile:
    """Parse a .tf file; a syntax error is an InputError with the line and column."""
    import hcl2
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as e:
        raise SyntaxProblem(path, e.line, e.column, _first_line(str(e))) from e
    except (LarkError, ValueError, RecursionError) as e:
        raise SyntaxProblem(path, 1, 1, _first_line(str(e)) or type(e).__name__) from e
    return SourceFile(path, text, tuple(_blocks(tree, path, text)))


class SyntaxProblem(InputError):
    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.detail = path, line, column, message


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _blocks(tree: Any, path: str, text: str) -> Iterator[Block]:
    from lark import Tree

    body = tree.children[0] if tree.data == "start" else tree
    for node in body.children:
        if isinstance(node, Tree) and node.data == "block":
            yield _block(node, path, text)


def _block(node: Any, path: str, text: str) -> Block:
    from lark import Tree

    kind = _identifier(node.children[0])
    parts = [c for c in node.children[1:] if isinstance(c, Tree)]
    labels = [_label(c, text) for c in parts if c.data in ("string", "identifier")]
    items = [i for c in parts if c.data == "body" for i in c.children if isinstance(i, Tree)]
    attributes = {a.name: a for a in (_attribute(i, text) for i in items if i.data == "attribute")}
    blocks = tuple(_block(i, path, text) for i in items if i.data == "block")
    m = node.meta
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
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        line, col = (e.lineno, e.colno) if isinstance(e, json.JSONDecodeError) else (1, 1)
        raise SyntaxProblem(path, line, col, "invalid JSON") from e
    if not isinstance(doc, dict):
        raise SyntaxProblem(path, 1, 1, "a .tf.json file must hold a JSON object")
    locator = _JsonLocator(text)
    blocks = [b for kind, value in doc.items() for b in _json_blocks(path, kind, value, locator)]
    return SourceFile(path, text, tuple(blocks))


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
                yield _json_block(path, kind, tuple(labels), item, locator)


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
    path: str, kind: str, labels: tuple[str, ...], body: dict[str, Any], locator: _JsonLocator
) -> Block:
    line = locator.line_of(labels[-1] if labels else kind)
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for key, value in body.items():
        if key in _JSON_NESTED and isinstance(value, (dict, list)):
            items = value if isinstance(value, list) else [value]
            blocks += [_json_block(path, key, (), i, locator) for i in items if isinstance(i, dict)]
            continue
        text = json.dumps(value)
        refs = tuple(dict.fromkeys(r for s in _strings(value) for r in template_references(s)))
        at = locator.line_of(key)
        attributes[key] = Attribute(key, at, 1, 0, 0, text, refs)
    return Block(path, kind, labels, line, 1, 0, 0, attributes, tuple(blocks))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


class _JsonLocator:
    """Approximate line numbers for keys in a JSON document: the next occurrence of the key."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0

    def line_of(self, key: str) -> int:
        found = self._text.find(json.dumps(key), self._pos)
        if found < 0:
            return 1
        self._pos = found + 1
        return self._text.count("\n", 0, found) + 1
