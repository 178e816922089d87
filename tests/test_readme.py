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
    expected = {"eks-tf-auth --help"} | {f"eks-tf-auth {name} --help" for name in cli.commands()}
    assert expected <= documented


@pytest.mark.parametrize(("cmd", "body"), help_blocks(), ids=lambda v: str(v)[:30])
def test_readme_help_matches_the_cli(
    cmd: str, body: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    argv = cmd.split()[1:]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == body, f"README.md's block for '{cmd}' is out of date"


def test_readme_exit_codes_are_the_exit_code_enum() -> None:
    from eks_tf_auth.errors import ExitCode

    section = README.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert codes == {int(c) for c in ExitCode}


def test_readme_python_api_example_uses_only_the_public_api() -> None:
    import eks_tf_auth

    text = README.read_text().split("## Python API", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", text, re.S)
    imported = re.findall(r"from eks_tf_auth import (.+)", code)
    assert imported and {n.strip() for n in imported[0].split(",")} <= set(eks_tf_auth.__all__)
    compile(code, "README.md", "exec")
