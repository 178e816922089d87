"""Position-preserving views of HCL text, for what the parse tree does not say and what --fix
edits: which characters are code, string or comment; where a conditional splits; where a bracket
closes (a result indexes the text it was given). And values between the two syntaxes: in
`.tf.json` every string is a template."""

from __future__ import annotations

import json
import re

CODE, STRING, COMMENT = "c", "s", "m"
HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)[ \t]*\n")
_OPEN, _CLOSE = "([{", ")]}"


def classify(text: str) -> str:
    """One letter per character: `s` for a string literal or heredoc (its quotes, markers and
    interpolations included), `m` for a comment, `c` for the rest."""
    out = [CODE] * len(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j, kind = string_end(text, i + 1), STRING
        elif c == "<" and (m := HEREDOC.match(text, i)):
            marker = re.compile(rf"^[ \t]*{re.escape(m.group(1))}[ \t]*$", re.M)
            end = marker.search(text, m.end())
            j, kind = (end.end() if end else n), STRING
        elif c == "#" or text.startswith("//", i):
            j, kind = text.find("\n", i), COMMENT
            j = n if j < 0 else j
        elif text.startswith("/*", i):
            j, kind = text.find("*/", i + 2), COMMENT
            j = n if j < 0 else j + 2
        else:
            i += 1
            continue
        out[i:j] = kind * (j - i)
        i = j
    return "".join(out)


def string_end(text: str, i: int) -> int:
    """The index just past the closing quote of a string whose body starts at `i`."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif text.startswith(("$${", "%%{"), i):
            i += 3
        elif text.startswith(("${", "%{"), i):
            i = interpolation_end(text, i + 2)
        elif c == "\n":  # a quoted string never spans lines
            return i
        else:
            i += 1
    return n


def interpolation_end(text: str, i: int) -> int:
    """The index just past the `}` that closes an interpolation whose code starts at `i`."""
    depth, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = string_end(text, i + 1)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def closing(text: str, start: int, kinds: str | None = None) -> int:
    """The index of the bracket that closes the one at `start` (len(text) if none does)."""
    kinds = classify(text) if kinds is None else kinds
    depth = 0
    for i in range(start, len(text)):
        if kinds[i] != CODE:
            continue
        if text[i] in _OPEN:
            depth += 1
        elif text[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def unwrap(expr: str) -> str:
    """An expression without surrounding space and redundant outer parentheses."""
    e = expr.strip()
    while e.startswith("(") and closing(e, 0) == len(e) - 1:
        e = e[1:-1].strip()
    return e


def split_conditional(expr: str) -> tuple[str, str, str] | None:
    """`C ? A : B` at the top level of an expression, as (C, A, B); None for anything else."""
    kinds = classify(expr)
    depth, question, nested = 0, -1, 0
    for i, c in enumerate(expr):
        if kinds[i] != CODE:
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif depth == 0 and c == "?":
            if question < 0:
                question = i
            else:
                nested += 1
        elif depth == 0 and c == ":" and question >= 0 and "::" not in expr[i - 1 : i + 2]:
            if nested:
                nested -= 1
            else:
                return expr[:question], expr[question + 1 : i], expr[i + 1 :]
    return None


def string_literal(expr: str) -> str | None:
    """The value of an expression that is one quoted string (JSON's escapes, which are HCL's
    too); None for anything else, an invalid escape included."""
    try:
        value = json.loads(expr)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def is_json(path: str) -> bool:
    return path.endswith(".json")


def as_hcl(expr: str, path: str) -> str:
    """An expression from `path` as HCL (a JSON-syntax value is a template)."""
    if not is_json(path):
        return expr
    value = json.loads(expr)
    if isinstance(value, str):
        inner = interpolation(value)
        return inner if inner is not None else json.dumps(value)
    return expr


def as_json(expr: str, path: str) -> str:
    """An expression from `path` as a JSON-syntax value."""
    if is_json(path):
        return expr
    e = expr.strip()
    if e.startswith('"') and string_end(e, 1) == len(e):
        try:
            return json.dumps(json.loads(e))  # a string JSON reads as HCL does
        except ValueError:
            pass
    return json.dumps("${" + e + "}")


def interpolation(template: str) -> str | None:
    """X, for a template that is exactly `${X}`."""
    if not (template.startswith("${") and template.endswith("}")):
        return None
    return template[2:-1].strip() if closing(template, 1) == len(template) - 1 else None
