"""render.env: the `hcl` filter quotes every value python-hcl2 reads back (and escapes
interpolation), refuses what it cannot quote; templates refuse undefined names."""

from __future__ import annotations

import hcl2
import pytest

from eks_tf_auth.render import env as render


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ('q"uote\\back', '"q\\"uote\\\\back"'),
        ("${var.x} and %{if}", '"$${var.x} and %%{if}"'),
        ("line\nbreak", '"line\\nbreak"'),
        (["a", "b"], '["a", "b"]'),
        ({"K": "v"}, '{ "K" = "v" }'),
        ({}, "{}"),
        (True, "true"),
        (3, "3"),
    ],
)
def test_hcl_filter(value: object, expected: str) -> None:
    assert render.hcl(value) == expected
    assert hcl2.loads(f"x = {expected}\n")


def test_hcl_filter_refuses_what_it_cannot_quote() -> None:
    with pytest.raises(TypeError):
        render.hcl(object())


def test_templates_refuse_undefined_names() -> None:
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render.render("source_data.tf.j2", name="this")
