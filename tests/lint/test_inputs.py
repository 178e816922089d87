"""eks_tf_auth.lint.inputs: what lint reads never blocks it, never exceeds a limit and never
fails with more than one line. Then the acceptance cases through the console script (marked real):
a plan piped into `/dev/stdin` or `-` is linted, an unreadable pipe, device or socket exits 2
quickly, and a zip bomb is refused under a 512 MB address-space limit."""

from __future__ import annotations

import io
import os
import resource
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eks_tf_auth.lint import inputs
from eks_tf_auth.lint.inputs import Unreadable, decode, parse_json, read_file, read_stream
from tests.lint.test_plans import TOKEN, zip_bomb
from tests.support.tools import BIN_DIR, real_tool

PLAN = (
    '{"format_version": "1.2", "planned_values": {}, '
    f'"prior_state": {{"values": {{"outputs": {{"t": {{"value": "{TOKEN}"}}}}}}}}}}'
)
AUTH_TF = (
    'data "aws_eks_cluster_auth" "a" {\n  name = "c"\n}\n'
    'provider "kubernetes" {\n  token = data.aws_eks_cluster_auth.a.token\n}\n'
)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        yield path


def write_later(path: Path, data: bytes, *, delay: float = 0.05) -> threading.Thread:
    """A writer that connects to a FIFO after `delay`, writes and closes it."""

    def run() -> None:
        time.sleep(delay)
        with path.open("wb") as w:
            w.write(data)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# --- read_file ----------------------------------------------------------------------------------


def test_a_regular_file_is_read_up_to_its_limit(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_bytes(b"x" * 10)
    assert read_file(tmp_path / "a.tf", limit=10) == b"x" * 10
    with pytest.raises(Unreadable, match="larger than the 9 bytes limit"):
        read_file(tmp_path / "a.tf", limit=9)
    with pytest.raises(Unreadable, match="cannot read: No such file"):
        read_file(tmp_path / "missing.tf", limit=10)


def test_a_file_that_grows_past_the_limit_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.tf").write_bytes(b"x" * 4)
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: real_read(fd, n) or b"more")
    with pytest.raises(Unreadable, match="larger than"):
        read_file(tmp_path / "a.tf", limit=6)


def test_a_read_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.tf").write_text("x")

    def failing(fd: int, n: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "read", failing)
    with pytest.raises(Unreadable, match=r"^cannot read: Input/output error$"):
        read_file(tmp_path / "a.tf", limit=10)
    with (
        (tmp_path / "a.tf").open("rb") as stream,
        pytest.raises(Unreadable, match=r"^cannot read: Input/output error$"),
    ):
        read_stream(stream, 10)


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/dev/zero", "a character device"), ("/dev/null", "a character device"), (".", "a dir")],
)
def test_devices_and_directories_are_refused_unopened(path: str, kind: str) -> None:
    started = time.monotonic()
    with pytest.raises(Unreadable, match=f"^{kind}"):
        read_file(path, limit=10, pipes=True)
    assert time.monotonic() - started < 1


def test_a_socket_is_refused(unix_socket: Path) -> None:
    with pytest.raises(Unreadable, match=r"^a socket: lint reads only regular files and pipes$"):
        read_file(unix_socket, limit=10, pipes=True)


def test_a_fifo_is_read_only_where_pipes_are_allowed(fifo: Path) -> None:
    started = time.monotonic()
    with pytest.raises(Unreadable, match=r"^a pipe: lint reads only regular files$"):
        read_file(fifo, limit=10)  # in a directory walk: refused, never opened or waited on
    assert time.monotonic() - started < 0.5
    write_later(fifo, b"data")
    assert read_file(fifo, limit=10, pipes=True) == b"data"


def test_a_fifo_with_no_writer_ends_after_the_writer_wait(
    fifo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "WRITER_WAIT", 0.1)
    started = time.monotonic()
    assert read_file(fifo, limit=10, pipes=True) == b""
    assert 0.1 <= time.monotonic() - started < 2


def test_a_pipe_waits_for_its_connected_writer() -> None:
    r, w = os.pipe()
    os.set_blocking(r, False)

    def writer() -> None:
        time.sleep(0.1)  # the reader finds the pipe empty with a writer: it polls
        os.write(w, b"late")
        os.close(w)

    threading.Thread(target=writer, daemon=True).start()
    try:
        assert inputs.read_all(inputs._Pipe(r).read, 10) == b"late"
    finally:
        os.close(r)


def test_a_pipe_over_the_limit_is_refused(fifo: Path) -> None:
    writer = write_later(fifo, b"x" * 100)
    with pytest.raises(Unreadable, match="larger than"):
        read_file(fifo, limit=10, pipes=True)
    writer.join(5)
    assert not writer.is_alive()


# --- read_stream (standard input) ---------------------------------------------------------------


def test_stdin_without_a_descriptor_is_read_as_a_stream() -> None:
    assert read_stream(io.BytesIO(b"abc"), 10) == b"abc"
    with pytest.raises(Unreadable, match="larger than"):
        read_stream(io.BytesIO(b"abc"), 2)


def test_stdin_pipe_and_file_are_read_a_terminal_or_device_refused(tmp_path: Path) -> None:
    r, w = os.pipe()
    os.write(w, b"piped")
    os.close(w)
    with os.fdopen(r, "rb") as stream:
        assert read_stream(stream, 10) == b"piped"
    (tmp_path / "f").write_bytes(b"file")
    with (tmp_path / "f").open("rb") as stream:
        assert read_stream(stream, 10) == b"file"
    with (tmp_path / "f").open("rb") as stream, pytest.raises(Unreadable, match="larger"):
        read_stream(stream, 3)
    with (
        open("/dev/null", "rb") as stream,
        pytest.raises(
            Unreadable,
            match=r"^standard input is a character device: pipe a plan or config into it$",
        ),
    ):
        read_stream(stream, 10)


# --- decode, parse_json -------------------------------------------------------------------------


def test_decode_names_the_first_byte_that_is_not_utf8() -> None:
    assert decode("é".encode()) == "é"
    with pytest.raises(Unreadable) as e:
        decode(b"ok\nab\xffc")
    assert (e.value.line, e.value.column, e.value.message) == (
        2,
        3,
        "cannot read: not UTF-8 text (byte 0xff)",
    )


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("{,}", (1, 2), "invalid JSON: Expecting property name enclosed in double quotes"),
        ("[" * 100_000, (1, 1), "invalid JSON: nested too deeply"),
        ('{\n  "n": ' + "9" * 5000 + "}", (2, 8), "invalid JSON: a number with more than 4300"),
    ],
)
def test_parse_json_errors_are_one_line_with_a_position(
    text: str, where: tuple[int, int], message: str
) -> None:
    with pytest.raises(Unreadable) as e:
        parse_json(text)
    assert (e.value.line, e.value.column) == where
    assert e.value.message.startswith(message) and "\n" not in e.value.message


def test_parse_json_keeps_long_floats_and_ordinary_numbers() -> None:
    assert parse_json('{"a": 1, "b": 1.' + "5" * 5000 + "}")["a"] == 1


# --- the console script (real) ------------------------------------------------------------------


def lint_script(
    *args: str, cwd: Path, stdin: bytes | None = None, timeout: float = 30, limit: int = 0
) -> subprocess.CompletedProcess[bytes]:
    real_tool("the eks-tf-auth console script")

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {k: v for k, v in os.environ.items() if not k.startswith("EKS_TF_AUTH_")}
    return subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), "lint", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        check=False,
        preexec_fn=cap_memory if limit else None,
    )


@pytest.mark.real
@pytest.mark.parametrize("path", ["/dev/stdin", "-"])
def test_a_plan_piped_into_lint_is_linted(tmp_path: Path, path: str) -> None:
    proc = lint_script(path, cwd=tmp_path, stdin=PLAN.encode())
    assert proc.returncode == 1, proc
    assert proc.stdout.decode().startswith(f"{path}:1:1: ETA008 the plan carries an EKS token")


@pytest.mark.real
def test_a_config_piped_into_lint_is_linted(tmp_path: Path) -> None:
    proc = lint_script("-", cwd=tmp_path, stdin=AUTH_TF.encode())
    assert proc.returncode == 1 and b"-:5:3: ETA001" in proc.stdout, proc


@pytest.mark.real
def test_process_substitution_is_linted(tmp_path: Path) -> None:
    real_tool("the eks-tf-auth console script")
    (tmp_path / "plan.json").write_text(PLAN)
    script = f"'{BIN_DIR / 'eks-tf-auth'}' lint <(cat plan.json)"
    proc = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, timeout=30, check=False
    )
    assert proc.returncode == 1 and b"ETA008" in proc.stdout, proc


@pytest.mark.real
@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "socket", "empty stdin"])
def test_unreadable_inputs_exit_2_quickly(
    tmp_path: Path, fifo: Path, unix_socket: Path, what: str
) -> None:
    (tmp_path / "main.tf").write_text(AUTH_TF)
    path, shown = {
        "fifo": (str(fifo), "pipe"),
        "/dev/zero": ("/dev/zero", "/dev/zero"),
        "socket": (str(unix_socket), "sock"),
        "empty stdin": ("-", "-"),
    }[what]
    started = time.monotonic()
    proc = lint_script(path, "main.tf", cwd=tmp_path, stdin=b"" if path == "-" else None)
    assert time.monotonic() - started < 10
    assert proc.returncode == 2, proc
    out = proc.stdout.decode()
    assert "main.tf:5:3: ETA001" in out  # the rest is still linted
    [problem] = [line for line in out.splitlines() if ": error: " in line]
    assert problem.startswith(f"{shown}:1:1: error: ")


@pytest.mark.real
def test_a_zip_bomb_is_refused_within_512_mb(tmp_path: Path) -> None:
    zip_bomb(tmp_path / "bomb.tfplan", mib=2100)  # 2 MB that expands to 2.1 GB
    (tmp_path / "main.tf").write_text(AUTH_TF)
    proc = lint_script("bomb.tfplan", "main.tf", cwd=tmp_path, limit=512 * 1024 * 1024)
    assert proc.returncode == 2, proc
    lines = proc.stdout.decode().splitlines()
    assert lines[0].startswith("main.tf:5:3: ETA001")
    assert lines[1] == (
        "bomb.tfplan:1:1: error: not a readable saved plan: tfstate expands to 2100 MiB, "
        "over the 128 MiB cap"
    )
    assert proc.stderr == b""
