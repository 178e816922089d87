"""eks_tf_auth.lint.syntax: what is code, string or comment, by position, in every HCL form."""

from __future__ import annotations

import pytest

from eks_tf_auth.lint.syntax import classify, closing, split_conditional, unwrap


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ('a = "x"', "cccc" + "sss"),
        ('"a\\"b" c', "ssssssc" + "c"),
        ('"$${x}" y', "sssssssc" + "c"),
        ('"${f("}")}" z', "sssssssssssc" + "c"),
        ('"${ {a=1} }"', "s" * 12),
        ('"${x', "s" * 4),
        ('"open\nb', "sssss" + "cc"),
        ("a # c\nb", "cc" + "mmm" + "c" + "c"),
        ("a // c", "cc" + "mmmm"),
        ("a /* c */ b", "cc" + "mmmmmmm" + "cc"),
        ("a /* c", "cc" + "mmmm"),
        ("p = <<EOF\n x\nEOF\nq", "cccc" + "s" * 12 + "c" + "c"),
        ("p = <<-EOF\n x\n", "cccc" + "s" * 10),
    ],
)
def test_classify(text: str, kinds: str) -> None:
    assert classify(text) == kinds


def test_closing() -> None:
    assert closing('f(a, [b], ")")', 1) == 13
    assert closing("[a, b", 0) == 5
    assert closing("x[1]", 1) == 3


@pytest.mark.parametrize(
    ("expr", "parts"),
    [
        ("a ? b : c", ("a ", " b ", " c")),
        ("a ? (b ? c : d) : e", ("a ", " (b ? c : d) ", " e")),
        ("a ? b ? c : d : e", ("a ", " b ? c : d ", " e")),
        ('a ? "x:y" : provider::p::f(z)', ("a ", ' "x:y" ', " provider::p::f(z)")),
        ("a ? provider::p::f(z) : c", ("a ", " provider::p::f(z) ", " c")),
        ("one(x[*].token)", None),
        ("{ a : b }", None),
    ],
)
def test_split_conditional(expr: str, parts: tuple[str, str, str] | None) -> None:
    assert split_conditional(expr) == parts


def test_unwrap() -> None:
    assert unwrap(" ((!var.x)) ") == "!var.x"
    assert unwrap("(a) || (b)") == "(a) || (b)"
