"""Text for the render property tests (test_env.py against python-hcl2 and YAML,
test_providers.py against Terraform): pieces that stress HCL quoting (interpolation and
directive openers, escapes, line breaks, control characters), text Terraform would read
differently (combining sequences, lone surrogates, unassigned code points), non-BMP characters,
and arbitrary text. About a third of the examples are refused; the rest must read back exactly."""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

TRICKY = [
    "${",
    "%{",
    "$${",
    "%%{",
    "}",
    "$",
    "%",
    '"',
    "\\",
    "\\u0041",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "e\u0301",
    "\u212b",
    "\ud83d",
    "\ude00",
    "\ud83d\ude00",
]
PIECES = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=8),
    st.text(st.characters(exclude_categories=()), max_size=4),
)
TEXT = st.lists(PIECES, max_size=8).map("".join)


def refusable(text: str) -> bool:
    """What render.env.check_text refuses: lone surrogates, unassigned code points, text not in
    Unicode NFC."""
    categories = {unicodedata.category(c) for c in text}
    return bool(categories & {"Cs", "Cn"}) or not unicodedata.is_normalized("NFC", text)
