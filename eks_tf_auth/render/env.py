"""The Jinja environment for everything `render` prints: templates ship in
`eks_tf_auth/templates/`, undefined names are errors, and values are quoted by filters, never by
hand in a template."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache

import jinja2


def hcl(value: object) -> str:
    """An HCL literal: a quoted string (with `${` and `%{` escaped), number, bool, list or map."""
    _defined(value)
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
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


def yaml_value(value: object) -> str:
    """A YAML flow value: JSON is YAML, and json.dumps quotes every string safely."""
    _defined(value)
    return json.dumps(value)


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
        autoescape=False,  # HCL and YAML, not HTML: the filters do the quoting
    )
    env.filters["hcl"] = hcl
    env.filters["yaml"] = yaml_value
    return env


def render(template: str, /, **context: object) -> str:
    return environment().get_template(template).render(**context)
