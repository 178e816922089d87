from __future__ import annotations

import re
from pathlib import Path

import pytest

from eks_tf_auth import cli

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(
    r"<!-- help: (?P<cmd>[^>]+) -->\n```text\n(?P<body>.*?)```\n<!-- end help -->", re.S
)


def help_blocks() -> list[tuple[str, str]]:
    return [(m["cmd"], m["body"]) for m in BLOCK.finditer(README.read_text())]


def test_readme_has_help_for_every_command() -> None:
    documented = {cmd for cmd, _ in help_blocks()}
    expected = {"eks-tf-auth --help"} | {f"eks-tf-auth {name} --help" for name in cli.cli.commands}
    assert expected <= documented


@pytest.mark.parametrize(("cmd", "body"), help_blocks(), ids=lambda v: str(v)[:30])
def test_readme_help_matches_the_cli(
    cmd: str, body: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    argv = cmd.split()[1:]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == body, f"README.md's block for '{cmd}' is out of date"
