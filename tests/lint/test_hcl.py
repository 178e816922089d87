"""eks_tf_auth.lint.hcl: references in every expression form, parse errors, the JSON syntax."""

from __future__ import annotations

import pytest

from eks_tf_auth.lint import hcl
from eks_tf_auth.lint.hcl import (
    SyntaxProblem,
    parse_config,
    parse_hcl,
    parse_json_config,
    references,
)


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
    [("[1]", "must hold a JSON object"), ("[" * 100000, "invalid JSON"), ("{,}", "invalid JSON")],
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
    assert local.attributes["v"].refs == ("module.m.o",) and local.attributes["v"].line == 1


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
