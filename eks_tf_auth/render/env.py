"""The Jinja environment for everything `render` prints: templates ship in
`eks_tf_auth/templates/`, undefined names are errors, and values are quoted by filters, never by
hand in a template.

Every string the `hcl` filter writes reads back unchanged, in Terraform and in python-hcl2: the
literal is printable ASCII with HCL's own escapes, and text Terraform would read as another string
is refused (`check_text`).
"""

from __future__ import annotations

import json
import re
import shlex
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

import jinja2

from eks_tf_auth.errors import InputError

_HCL_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters no HCL literal can carry as themselves: a lone surrogate has no UTF-8 form (and
# HCL has no surrogate escapes), and an unassigned code point may be given a normalization that
# this Python's Unicode tables do not know, so the NFC check below could not vouch for it.
_UNWRITABLE = {
    "Cs": "a lone surrogate",
    "Cn": "unassigned in Unicode " + unicodedata.unidata_version,
}


def check_text(value: str, what: str) -> str:
    """`value` if its HCL literal reads back as `value`, else an InputError naming `what`.

    Terraform normalizes every string literal to Unicode NFC (escapes included), so text in
    another form would reach Terraform as a different string; such text is refused, as are the
    characters `_UNWRITABLE` names.
    """
    for char in value:
        reason = _UNWRITABLE.get(unicodedata.category(char))
        if reason is not None:
            raise InputError(
                f"{what} holds U+{ord(char):04X}, {reason}",
                hint="give valid Unicode text (UTF-8) without it",
            )
    if not unicodedata.is_normalized("NFC", value):
        raise InputError(
            f"{what} is not in Unicode normalization form C",
            hint="Terraform would read it as another string (it normalizes to NFC); give the "
            "NFC form",
        )
    return value


def hcl(value: object) -> str:
    """An HCL literal: a quoted string (see `_hcl_string`), number, bool, list or map."""
    _defined(value)
    if isinstance(value, str):
        return _hcl_string(check_text(value, "a rendered value"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{hcl(str(k))} = {hcl(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    raise TypeError(f"no HCL literal for {type(value).__name__}")


def _hcl_string(value: str) -> str:
    """A quoted HCL string of printable ASCII. Quotes, backslashes and line breaks take HCL's
    short escapes; any other character is `\\uNNNN`, or `\\UNNNNNNNN` beyond the BMP (HCL has no
    surrogate pairs, which json.dumps would write). `$` and `%` before `{` are `\\u0024` and
    `\\u0025`: Terraform reads them literally, so no interpolation or directive starts, and
    python-hcl2 (which fails on a `$${` without a closing brace) reads them too."""
    out = []
    for i, char in enumerate(value):
        if char in _HCL_ESCAPES:
            out.append(_HCL_ESCAPES[char])
        elif " " <= char <= "~" and not (char in "$%" and value.startswith("{", i + 1)):
            out.append(char)
        elif ord(char) > 0xFFFF:
            out.append(f"\\U{ord(char):08x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return '"' + "".join(out) + '"'


# What json.dumps (ensure_ascii=False) leaves raw that YAML output should not carry: DEL (YAML
# allows it only escaped) and every non-ASCII character. Escaping them here rather than in
# json.dumps keeps a character beyond the BMP one `\U` escape instead of a UTF-16 surrogate pair
# (two broken characters to a YAML reader), and tells it apart from two lone surrogates.
_YAML_RAW = re.compile(r"[^\x00-\x7e]")


def yaml_value(value: object) -> str:
    """A YAML flow value in printable ASCII: JSON is YAML, and json.dumps quotes every string
    safely."""
    _defined(value)
    return _YAML_RAW.sub(_yaml_escape, json.dumps(value, ensure_ascii=False))


def _yaml_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:
        raise InputError(
            f"a rendered value holds U+{code:04X}, a lone surrogate",
            hint="give valid Unicode text (UTF-8) without it",
        )
    return f"\\U{code:08x}" if code > 0xFFFF else f"\\u{code:04x}"


def shell_word(value: object) -> str:
    """One word for a POSIX shell (a Dockerfile RUN line): quoted only where it needs to be."""
    _defined(value)
    return shlex.quote(str(value))


def _defined(value: object) -> None:
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises UndefinedError naming the missing variable


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("eks_tf_auth", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # HCL, YAML and shell, not HTML: the filters do the quoting
    )
    env.filters["hcl"] = hcl
    env.filters["yaml"] = yaml_value
    env.filters["sh"] = shell_word
    return env


def render(template: str, /, **context: object) -> str:
    return environment().get_template(template).render(**context)
