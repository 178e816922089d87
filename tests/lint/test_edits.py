"""eks_tf_auth.lint.edits: edits by position, applied from the end; whole lines, blocks and JSON
members removed cleanly; and terraform fmt's alignment of `=` and comments, re-made in a block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eks_tf_auth.lint.edits import Edit, Op, align, apply, delete_lines, drop_block, remove_json
from eks_tf_auth.lint.syntax import as_hcl, as_json, interpolation
from tests.support.terraform import fmt_check
from tests.support.tools import require_tool

# Written by terraform fmt (test_the_aligned_blocks_are_what_terraform_fmt_writes checks).
ALIGNED = """\
provider "kubernetes" {
  host                   = var.host # where
  cluster_ca_certificate = base64decode(var.ca)
  x                      = a == b ? 1 : 2
  y                      = a >= b
  z                      = { for k, v in var.m : k => v }

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    args        = ["a", "b"] # args
    command     = "eks-tf-auth" /* the command */
  }
  list = [
    "a",   # one
    "bcd", # two
  ]
  policy = <<EOF
  a = b
EOF
  q      = 2
  rr     = "${var.x}-y" # c
  # a comment alone
  s = 1
  ok = (
    a == b
  )
}

locals {
  kubernetes = {
    host                   = "x" # a
    cluster_ca_certificate = "y"
    exec = {
      api_version = "v"
      args        = ["a"]
    }
    z = "${var.x}"
  }
}
"""


def unaligned(text: str) -> str:
    """Every run of spaces before `=` or a comment squeezed to one."""
    return re.sub(r"(?m)(\S) {2,}(=|#|/\*)", r"\1 \2", text)


def test_align_restores_what_terraform_fmt_writes() -> None:
    text = unaligned(ALIGNED)
    assert text != ALIGNED
    for start in reversed([m.start() for m in re.finditer(r"(?m)^(?:provider|locals) ", text)]):
        text = align(text, start)
    assert text == ALIGNED
    assert align(ALIGNED.rstrip("\n"), 0) == ALIGNED.rstrip("\n")  # no newline at the end


@pytest.mark.real
def test_the_aligned_blocks_are_what_terraform_fmt_writes(tmp_path: Path) -> None:
    (tmp_path / "aligned.tf").write_text(ALIGNED)
    proc = fmt_check(require_tool("terraform"), tmp_path / "aligned.tf", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("text", "span", "result"),
    [
        ("a {\n  x = 1\n  y = 2\n}\n", "x = 1", "a {\n  y = 2\n}\n"),
        ("a {\n  x = 1 # gone too\n}\n", "x = 1", "a {\n}\n"),
        ("a { x = 1 }\n", "x = 1", "a { }\n"),
        ("a {\n  y = 2\n  x = 1", "x = 1", "a {\n  y = 2\n"),
    ],
)
def test_delete_lines(text: str, span: str, result: str) -> None:
    start = text.index(span)
    assert delete_lines(text, start, start + len(span)) == result


@pytest.mark.parametrize(
    ("text", "block", "result"),
    [
        ("a {}\n\nb {}\n", "b {}", "a {}\n"),  # at the end: and the blank line before it
        ("a {}\n\nb {}\n\nc {}\n", "b {}", "a {}\n\nc {}\n"),
        ("b {}\nc {}\n", "b {}", "c {}\n"),
        ("x = 1; b {}\n", "b {}", "x = 1; "),  # not at a line's start: only itself
        ("a {}\n\nb {}", "b {}", "a {}\n"),
    ],
)
def test_drop_block(text: str, block: str, result: str) -> None:
    start = text.index(block)
    assert drop_block(text, start, start + len(block)) == result


@pytest.mark.parametrize(
    ("text", "member", "result"),
    [
        ('{\n  "a": 1,\n  "b": 2\n}', '"a": 1', '{\n  "b": 2\n}'),
        ('{\n  "a": 1,\n  "b": 2\n}', '"b": 2', '{\n  "a": 1\n}'),
        ('{\n  "a": 1\n}', '"a": 1', "{}"),
        ('{"a": [1, 2]}', "2", '{"a": [1]}'),
    ],
)
def test_remove_json(text: str, member: str, result: str) -> None:
    start = text.index(member)
    assert remove_json(text, start, start + len(member)) == result


def test_apply_orders_edits_and_skips_those_inside_a_removal() -> None:
    text = "a {\n  x = 1\n  yy = 2\n}\n\nb {\n  z = 3\n}\n"
    x, b = text.index("x = 1"), text.index("b {")
    edits = [
        Edit("f", x, x + 5, Op.DELETE),
        Edit("f", 0, 0, Op.ALIGN),
        Edit("f", b, len(text) - 1, Op.DROP),
        Edit("f", text.index("z"), text.index("z") + 1, Op.REPLACE, "zz"),  # inside the drop
    ]
    assert apply(text, edits) == "a {\n  yy = 2\n}\n"
    json_text = '{"a": 1, "b": 2}'
    json_edits = [Edit("f", 1, 7, Op.DELETE), Edit("f", 0, 0, Op.ALIGN)]
    assert apply(json_text, json_edits, json_syntax=True) == '{"b": 2}'
    assert apply(json_text, [Edit("f", 9, 15, Op.DROP)], json_syntax=True) == '{"a": 1}'


@pytest.mark.parametrize(
    ("expr", "path", "hcl", "json_value"),
    [
        ('"prod"', "a.tf", '"prod"', '"prod"'),
        ("var.name", "a.tf", "var.name", '"${var.name}"'),
        ('"${var.env}-eks"', "a.tf", '"${var.env}-eks"', '"${var.env}-eks"'),
        ('"a\\q"', "a.tf", '"a\\q"', '"${\\"a\\\\q\\"}"'),  # an HCL escape JSON lacks
        ('"${var.name}"', "a.tf.json", "var.name", '"${var.name}"'),
        ('"prod"', "a.tf.json", '"prod"', '"prod"'),
        ('"${a}-${b}"', "a.tf.json", '"${a}-${b}"', '"${a}-${b}"'),
        ("3", "a.tf.json", "3", "3"),
    ],
)
def test_values_between_the_syntaxes(expr: str, path: str, hcl: str, json_value: str) -> None:
    assert as_hcl(expr, path) == hcl
    assert as_json(expr, path) == json_value


def test_interpolation() -> None:
    assert interpolation("${ var.x }") == "var.x"
    assert interpolation("${a}-${b}") is None
    assert interpolation("plain") is None
