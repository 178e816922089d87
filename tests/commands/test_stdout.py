"""A failure to write stdout is the command's failure: exit 1 and one line, never exit 3 or 120,
never a silent loss. (The console script against /dev/full and a closed stdout: the bad-input
catalogue, tests/test_bad_input.py.)"""

from __future__ import annotations

import errno
import io
import sys

import pytest

from eks_tf_auth import cli

RENDER = ["render", "provider", "--cluster-name", "x"]


class Full(io.StringIO):
    def write(self, text: str) -> int:
        if text:
            raise OSError(errno.ENOSPC, "No space left on device")
        return 0


class FailsOnFlush(io.StringIO):
    def flush(self) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


@pytest.mark.parametrize(
    ("stream", "reason"),
    [(Full(), "No space left on device"), (FailsOnFlush(), "Broken pipe"), (None, "it is closed")],
    ids=["full", "pipe-closed-on-flush", "closed"],
)
def test_a_stdout_that_cannot_take_the_data_fails_the_command(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stream: io.StringIO | None,
    reason: str,
) -> None:
    monkeypatch.setattr(sys, "stdout", stream)
    assert cli.main(RENDER) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"eks-tf-auth: error: cannot write to stdout: {reason}"
    assert err[1].startswith("hint: ") and len(err) == 2
    assert sys.stdout is stream  # put back as it was


def test_a_healthy_stdout_gets_everything(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(RENDER) == 0
    out = capsys.readouterr().out
    assert out.startswith('module "eks" {') and out.endswith("}\n")


def test_the_guard_reports_what_the_stream_says(monkeypatch: pytest.MonkeyPatch) -> None:
    from eks_tf_auth.commands import _stdout

    class Tty(io.StringIO):
        encoding = "latin-1"

        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    with _stdout.guarded():
        assert sys.stdout.isatty() and sys.stdout.encoding == "latin-1"
        assert sys.stdout.errors == "strict" and sys.stdout.writable()
        assert sys.stdout.write("") == 0
    monkeypatch.setattr(sys, "stdout", None)
    with _stdout.guarded():
        assert not sys.stdout.isatty() and sys.stdout.encoding == "utf-8"
        sys.stdout.flush()
