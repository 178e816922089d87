"""`eks-tf-auth lint` output formats: each is a pure function from a Report to the text to print.

The core never prints; the command writes what `FORMATS[name](report)` returns.
"""

from __future__ import annotations

from collections.abc import Callable

from eks_tf_auth.lint.formats import atlantis, github, json_format, sarif, text
from eks_tf_auth.lint.rule import Report

__all__ = ["FORMATS", "FORMAT_NAMES", "atlantis", "github", "json_format", "sarif", "text"]

FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
    "atlantis": atlantis.render,
}
FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)
