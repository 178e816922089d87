"""render.env: the `hcl` filter writes printable ASCII that python-hcl2 reads back as the value
(escapes, no interpolation, no surrogate pairs), refuses text Terraform would read as another
string and what it cannot quote; the `yaml` filter reads back in YAML; templates refuse undefined
names. The same properties against real Terraform are in test_providers.py."""

from __future__ import annotations

import re
import unicodedata

import hcl2
import pytest
import yaml
from hypothesis import given, settings

from eks_tf_auth.errors import InputError
from eks_tf_auth.render import env as render
from tests.render.strategies import TEXT, refusable

VALUE = hcl2.SerializationOptions(strip_string_quotes=True)
PROPERTY = settings(max_examples=300, deadline=None)


def read_back(literal: str) -> object:
    """What python-hcl2 reads from `x = <literal>`: the value, escapes resolved."""
    return hcl2.loads(f"x = {literal}\n", serialization_options=VALUE)["x"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ('q"uote\\back', '"q\\"uote\\\\back"'),
        ("${var.x} and %{if}", '"\\u0024{var.x} and \\u0025{if}"'),
        ("$${x} %%{y} $ % {}", '"$\\u0024{x} %\\u0025{y} $ % {}"'),
        ("line\nbreak\r\ttab", '"line\\nbreak\\r\\ttab"'),
        ("\x00\x1f\x7f", '"\\u0000\\u001f\\u007f"'),
        ("caf\u00e9 \u2028", '"caf\\u00e9 \\u2028"'),
        ("\U0001f600", '"\\U0001f600"'),  # not json.dumps' "\ud83d\ude00", which HCL rejects
        (["a", "b"], '["a", "b"]'),
        ({"K": "v"}, '{ "K" = "v" }'),
        ({}, "{}"),
        (True, "true"),
        (3, "3"),
    ],
)
def test_hcl_filter(value: object, expected: str) -> None:
    assert render.hcl(value) == expected
    assert read_back(expected) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\udcffb", "holds U+DCFF, a lone surrogate"),
        ("\U000e0080", "holds U+E0080, unassigned in Unicode"),
        ("e\u0301", "is not in Unicode normalization form C"),
        ("\u212b", "is not in Unicode normalization form C"),  # ANGSTROM SIGN: NFC is U+00C5
    ],
)
def test_text_terraform_would_change_is_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(f"--module-source {message}")):
        render.check_text(text, "--module-source")
    with pytest.raises(InputError, match=re.escape(message)):
        render.hcl(text)


@PROPERTY
@given(TEXT)
def test_every_accepted_text_reads_back_in_python_hcl2(text: str) -> None:
    if refusable(text):
        with pytest.raises(InputError):
            render.hcl(text)
        return
    literal = render.hcl(text)
    assert literal.isascii() and literal.isprintable()
    assert "${" not in literal and "%{" not in literal
    assert read_back(literal) == text


def test_hcl_filter_refuses_what_it_cannot_quote() -> None:
    with pytest.raises(TypeError):
        render.hcl(object())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ("\U0001f600", '"\\U0001f600"'),  # YAML would read json.dumps' pair as two characters
        ("a\\ud83d\\ude00", '"a\\\\ud83d\\\\ude00"'),  # backslashes, not an escape
        ("\x7f", '"\\u007f"'),  # YAML allows DEL only escaped
        ([{"name": "A", "value": "\u00e9"}], '[{"name": "A", "value": "\\u00e9"}]'),
    ],
)
def test_yaml_filter(value: object, expected: str) -> None:
    assert render.yaml_value(value) == expected
    assert yaml.safe_load(expected) == value


@pytest.mark.parametrize("text", ["\ud83d", "x\ude00y", "\ude00\ud83d"])
def test_yaml_filter_refuses_lone_surrogates(text: str) -> None:
    with pytest.raises(InputError, match="a lone surrogate"):
        render.yaml_value(text)


@PROPERTY
@given(TEXT)
def test_every_accepted_text_reads_back_in_yaml(text: str) -> None:
    if any(unicodedata.category(c) == "Cs" for c in text):
        with pytest.raises(InputError):
            render.yaml_value(text)
        return
    assert yaml.safe_load(f"x: {render.yaml_value(text)}\n") == {"x": text}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("git+https://github.com/o/r@0123abc", "git+https://github.com/o/r@0123abc"),
        ("eks-tf-auth>=0.2", "'eks-tf-auth>=0.2'"),  # unquoted, >= would redirect
    ],
)
def test_shell_word_filter(value: str, expected: str) -> None:
    assert render.shell_word(value) == expected


def test_templates_refuse_undefined_names() -> None:
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render.render("source_data.tf.j2", name="this")
    with pytest.raises(jinja2.UndefinedError):
        render.render("atlantis.Dockerfile.j2", base_image="x")
