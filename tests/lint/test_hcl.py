"""eks_tf_auth.lint.hcl: references in every expression form, parse errors, the JSON syntax."""

from __future__ import annotations

import json
import time

import pytest

from eks_tf_auth.lint import hcl
from eks_tf_auth.lint.hcl import (
    SyntaxProblem,
    parse_config,
    parse_hcl,
    parse_json_config,
    references,
)
from eks_tf_auth.lint.inputs import MAX_HCL_BYTES


@pytest.mark.parametrize(
    ("expr", "refs"),
    [
        ("<<EOT\nx ${var.a}\nvar.no\nEOT\n", ("var.a",)),
        ("<<-EOT\n  x ${local.b} %%{ no } $${var.no}\n  EOT\n", ("local.b",)),
        ("<<EOT\nunterminated ${var.c}\n", ("var.c",)),
        ("/* var.no */ local.d", ("local.d",)),
        ("local.e /* unterminated var.no", ("local.e",)),
        ("// var.no\nvar.f", ("var.f",)),
        ('"a \\" ${var.g} b"', ("var.g",)),
        ('"%{ if var.h }yes%{ endif }"', ("var.h",)),
        ('"${ {a = local.i}.a }"', ("local.i",)),
        ('"${ "inner ${var.j}" }"', ("var.j",)),
        ('"open ${var.k', ("var.k",)),
        ('"open string var.no', ()),
        ("module.m.out[0] + module.n", ("module.m.out", "module.n")),
        (
            "data.x.y.z + ephemeral.aws_eks_cluster_auth.t.token",
            ("data.x.y", "ephemeral.aws_eks_cluster_auth.t"),
        ),
        ("var.a + var.a", ("var.a",)),
    ],
)
def test_references(expr: str, refs: tuple[str, ...]) -> None:
    assert references(expr) == refs


def test_identifier_labels_and_nested_blocks() -> None:
    f = parse_hcl(
        "m.tf", "resource aws_instance web {\n  tags = {}\n  lifecycle {\n    x = 1\n  }\n}\n"
    )
    [block] = f.blocks
    assert block.labels == ("aws_instance", "web") and block.address == "resource.aws_instance.web"
    assert [b.kind for b in block.walk()] == ["resource", "lifecycle"]
    assert [a.name for a in block.all_attributes()] == ["tags", "x"]


def test_parser_failures_become_syntax_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    from lark.exceptions import LarkError

    with pytest.raises(SyntaxProblem) as e:
        parse_hcl("m.tf", "a = \n")
    assert (e.value.line, e.value.column) == (1, 5)

    def broken(_: str) -> None:
        raise LarkError("grammar trouble")

    monkeypatch.setattr("hcl2.parses_to_tree", broken)
    with pytest.raises(SyntaxProblem) as e:
        parse_hcl("m.tf", "a = 1\n")
    assert (e.value.line, e.value.column, e.value.detail) == (1, 1, "grammar trouble")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1]", "must hold a JSON object"),
        ("[" * 100000, "invalid JSON: nested too deeply"),
        ("{,}", "invalid JSON: Expecting property name"),
    ],
)
def test_bad_json_config(text: str, message: str) -> None:
    with pytest.raises(SyntaxProblem, match=message):
        parse_json_config("m.tf.json", text)


def test_json_syntax_lists_nested_blocks_and_lines() -> None:
    text = """{
  "provider": [{"kubernetes": [{"alias": "a", "exec": [{"command": "aws"}, 3]}, "skip"]}, 7],
  "resource": {"x_y": {"z": {"tags": {"k": ["${var.t}", {"n": "${local.u}"}, 5, null]}}}},
  "unknown_block": {"ignored": true},
  "locals": {"\\u0076": "${module.m.o}"}
}"""
    f = parse_json_config("m.tf.json", text)
    kinds = [(b.kind, b.labels) for b in f.blocks]
    assert kinds == [("provider", ("kubernetes",)), ("resource", ("x_y", "z")), ("locals", ())]
    provider, resource, local = f.blocks
    assert provider.line == 2 and [b.kind for b in provider.blocks] == ["exec"]
    assert provider.blocks[0].attributes["command"].expr == '"aws"'
    assert resource.attributes["tags"].refs == ("var.t", "local.u")
    assert local.attributes["v"].refs == ("module.m.o",)
    assert (local.attributes["v"].line, local.attributes["v"].column) == (5, 14)  # exact


def test_template_references() -> None:
    assert hcl.template_references("Bearer ${data.aws_eks_cluster_auth.x.token}") == (
        "data.aws_eks_cluster_auth.x",
    )


def test_parse_config_picks_the_syntax_by_name() -> None:
    hcl_file = parse_config("main.tf", "locals {\n  a = var.b\n}\n")
    json_file = parse_config("main.tf.json", '{"locals": {"a": "${var.b}"}}')
    assert [b.attributes["a"].refs for b in (*hcl_file.blocks, *json_file.blocks)] == [
        ("var.b",),
        ("var.b",),
    ]
    with pytest.raises(SyntaxProblem, match="invalid JSON"):
        parse_config("main.tf.json", "locals {\n  a = 1\n}\n")  # HCL text, JSON name


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a = \n", (1, 5), "unexpected end of line"),
        ("a = @\n", (1, 5), "unexpected '@'"),
        ("x {\n  a = 1 }}\n", (2, 10), "unexpected '}'"),
        ("x {\n", (2, 1), "unexpected end of file"),
        ("a = `" + "y" * 5000 + "\n}\n", (1, 5), "unexpected '`yyyyyyyyyyyyyyyyyyy'..."),
    ],
)
def test_syntax_errors_are_one_short_line(text: str, where: tuple[int, int], message: str) -> None:
    """lark quotes the offending token whole (the rest of the file, for an unterminated string)
    and lists every terminal it expected, over several lines; lint says what it found."""
    with pytest.raises(SyntaxProblem) as e:
        parse_hcl("m.tf", text)
    assert ((e.value.line, e.value.column), e.value.detail) == (where, message)
    assert str(e.value) == f"m.tf:{where[0]}:{where[1]}: {message}"


def test_other_parser_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF

    def raising(error: Exception) -> None:
        def parse(_: str) -> None:
            raise error

        monkeypatch.setattr("hcl2.parses_to_tree", parse)

    raising(UnexpectedCharacters("a = §", 4, 1, 5))  # type: ignore[no-untyped-call]
    with pytest.raises(SyntaxProblem, match=r"^m.tf:1:5: unexpected character '§'$"):
        parse_hcl("m.tf", "a = 1\n")
    raising(UnexpectedEOF([]))  # type: ignore[no-untyped-call]
    with pytest.raises(SyntaxProblem, match=r"^m.tf:2:3: unexpected end of file$"):
        parse_hcl("m.tf", "a = 1\nb=")
    raising(RecursionError())
    with pytest.raises(SyntaxProblem, match=r"^m.tf:1:1: nested too deeply$"):
        parse_hcl("m.tf", "a = 1\n")


def test_blocks_nest_at_most_32_deep_in_either_syntax() -> None:
    def nested(n: int) -> str:
        return "a {\n" * n + "}\n" * n

    assert len(list(parse_hcl("m.tf", nested(32)).blocks[0].walk())) == 32
    with pytest.raises(SyntaxProblem) as e:
        parse_hcl("m.tf", "\n" + nested(2000))
    assert (e.value.line, e.value.column, e.value.detail) == (
        34,
        1,
        "blocks nested more than 32 deep",
    )
    deep: dict[str, object] = {"command": "x"}
    for _ in range(40):
        deep = {"exec": deep}
    doc = {"provider": {"kubernetes": deep}}
    with pytest.raises(SyntaxProblem, match="blocks nested more than 32 deep"):
        parse_json_config("m.tf.json", json.dumps(doc))


def test_a_json_config_nested_too_deep_for_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    def overflow(*args: object) -> None:
        raise RecursionError

    monkeypatch.setattr(hcl, "_json_blocks", overflow)
    with pytest.raises(SyntaxProblem, match=r"^m.tf.json:1:1: nested too deeply$"):
        parse_json_config("m.tf.json", '{"locals": {}}')


def test_large_hcl_is_refused_unparsed_and_long_numbers_are_fine() -> None:
    big = "# " + "x" * MAX_HCL_BYTES + "\n"
    started = time.monotonic()
    with pytest.raises(SyntaxProblem, match=r"^m.tf:1:1: larger than the 1 MiB limit for HCL"):
        parse_hcl("m.tf", big)
    with pytest.raises(SyntaxProblem, match="larger than"):  # 1 MiB of characters, 2 of bytes
        parse_hcl("m.tf", "# " + "é" * (MAX_HCL_BYTES // 2) + "\n")
    assert time.monotonic() - started < 1
    [block] = parse_hcl("m.tf", "locals {\n  n = " + "9" * 5000 + "\n}\n").blocks
    assert block.attributes["n"].expr == "9" * 5000
    with pytest.raises(SyntaxProblem, match=r"^m.tf.json:1:18: invalid JSON: a number with more"):
        parse_json_config("m.tf.json", '{"locals": {"n": ' + "9" * 5000 + "}}")


def test_names_that_do_not_say_are_parsed_by_their_text() -> None:
    assert parse_config("-", '{"locals": {"a": "${var.b}"}}').blocks[0].attributes["a"].refs == (
        "var.b",
    )
    assert parse_config("-", "locals {\n  a = var.b\n}\n").blocks[0].attributes["a"].refs == (
        "var.b",
    )
    with pytest.raises(SyntaxProblem):
        parse_config("main.tf", '{"locals": {}}')  # a .tf name is HCL, whatever it holds


@pytest.mark.parametrize(
    ("doc", "config"),
    [
        ({"resource": {}, "//": "comment"}, True),
        ({"format_version": "1.2", "planned_values": {}}, False),
        ({"version": 4, "resources": []}, False),
        ({}, False),
        ([], False),
    ],
)
def test_is_json_config(doc: object, config: bool) -> None:
    assert hcl.is_json_config(doc) is config


def test_json_lines_are_counted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Key lines in a large .tf.json come from one pass over the text, not one per key."""
    blocks = {f"r{i}": {"v": i} for i in range(20_000)}
    text = json.dumps({"resource": {"x": blocks}}, indent=1)
    started = time.monotonic()
    f = parse_json_config("m.tf.json", text)
    assert time.monotonic() - started < 5
    assert [b.line for b in f.blocks[-2:]] == [
        text.splitlines().index('   "r19998": {') + 1,
        text.splitlines().index('   "r19999": {') + 1,
    ]


def test_object_constructors_are_read_element_by_element() -> None:
    text = (
        'provider "helm" {\n  kubernetes = {\n    host = var.h # c\n'
        '    "token" = data.x.y.token\n    "${var.k}" = 1\n    (var.k2) = 2\n'
        '    exec = { args = ["a"] }\n  }\n  other = merge({ a = 1 }, {})\n}\n'
    )
    [provider] = parse_hcl("m.tf", text).blocks
    items = provider.attributes["kubernetes"].items
    assert list(items) == ["host", "token", "exec"]
    token = items["token"]
    assert (token.line, token.column, token.expr, token.refs) == (
        4,
        5,
        "data.x.y.token",
        ("data.x.y",),
    )
    assert text[token.start : token.end] == '"token" = data.x.y.token'
    assert text[token.expr_start : token.end] == "data.x.y.token"
    assert list(items["exec"].items) == ["args"]
    assert provider.attributes["other"].items == {}


def test_json_blocks_and_attributes_carry_their_spans() -> None:
    text = (
        '{\n  "data": {"aws_eks_cluster_auth": {"a": {"name": "c"}}},\n'
        '  "provider": {"kubernetes": [\n'
        '    {"token": "${x}",\n'
        '     "dynamic": {"exec": {"for_each": [], "content": {"command": "a"}}}},\n'
        '    {"alias": "b", "kubernetes": {"exec": {"command": "b"}}}\n  ]}\n}\n'
    )
    data, first, second = parse_json_config("m.tf.json", text).blocks
    assert text[data.start : data.end] == '"data": {"aws_eks_cluster_auth": {"a": {"name": "c"}}}'
    assert (data.line, data.column) == (2, 37)  # its label, "a"
    assert text[first.start : first.end].startswith('{"token"')  # an element of two
    token = first.attributes["token"]
    assert text[token.start : token.end] == '"token": "${x}"' and token.refs == ()
    [dynamic] = first.blocks
    assert (dynamic.kind, dynamic.labels) == ("dynamic", ("exec",))
    assert [b.kind for b in dynamic.blocks] == ["content"]
    assert text[dynamic.start : dynamic.end].startswith('"dynamic": {"exec"')
    assert [b.kind for b in second.blocks] == ["kubernetes"]
