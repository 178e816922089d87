"""How lint reads its inputs: never blocking on something that is not a file, never reading
more than a documented size, and turning every way a read can fail into one line.

A path is checked (`stat`) before it is opened, opened non-blocking, and checked again on the
open descriptor (`fstat`): a regular file is read up to its limit; a pipe (a FIFO, `/dev/stdin`,
`<(...)`) only where the user named it, until its writer closes it; anything else (a device such
as `/dev/zero`, a socket) is refused unopened. The limits are listed in the README's lint section.
"""

from __future__ import annotations

import json
import os
import re
import select
import stat
from collections.abc import Callable
from typing import Any, BinaryIO

MIB = 1024 * 1024
MAX_INPUT_BYTES = 128 * MIB  # a file, pipe or standard input; a saved plan; one member of it
MAX_HCL_BYTES = 1 * MIB  # an HCL file lint parses: python-hcl2 takes ~12 s and ~250 MB per MiB
MAX_CONFIG_BYTES = 1 * MIB  # .eks-tf-auth.toml, pyproject.toml
MAX_JSON_DIGITS = 4300  # Python's own limit for turning digits into an int
CHUNK = 1 * MIB  # a read from a pipe
SMALL_CHUNK = 64 * 1024  # at least this from a regular file (procfs files say they are empty)
WRITER_WAIT = 1.0  # seconds a named pipe with nothing in it waits for a writer to connect

_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_LONG_NUMBER = re.compile(rf"\d{{{MAX_JSON_DIGITS + 1},}}")


class Unreadable(Exception):
    """An input lint cannot read or decode, with where (1-based) and why, on one line."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def kind_of(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def size_text(size: int) -> str:
    return f"{size / MIB:.0f} MiB" if size >= MIB else f"{size} bytes"


def too_large(limit: int) -> Unreadable:
    return Unreadable(f"larger than the {size_text(limit)} limit; not read")


def read_file(path: str | os.PathLike[str], *, limit: int, pipes: bool = False) -> bytes:
    """The bytes of a regular file (following links), or with `pipes` of a named pipe too; a
    device or socket is refused before it is opened, and nothing waits on a pipe with no
    writer for more than WRITER_WAIT."""
    try:
        _check(os.stat(path), limit, pipes=pipes)
        fd = os.open(path, _READ_FLAGS)
    except OSError as e:
        raise Unreadable(f"cannot read: {e.strerror or e}") from e
    try:
        st = os.fstat(fd)
        _check(st, limit, pipes=pipes)  # again: it may have been replaced since the stat
        if stat.S_ISFIFO(st.st_mode):
            return read_all(_Pipe(fd).read, limit)
        chunk = max(st.st_size + 1, SMALL_CHUNK)  # all of it, and the end, in one or two reads
        return read_all(lambda n: os.read(fd, n), limit, chunk=chunk)
    except OSError as e:
        raise Unreadable(f"cannot read: {e.strerror or e}") from e
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, limit: int) -> bytes:
    """Standard input: a pipe, a socket or a redirected file, read until its end; a terminal
    or another device is refused rather than waited on."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's BytesIO)
        return read_all(stream.read, limit)
    try:
        st = os.fstat(fd)
        mode = st.st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            raise Unreadable(f"standard input is {kind_of(mode)}: pipe a plan or config into it")
        if stat.S_ISREG(mode) and st.st_size > limit:
            raise too_large(limit)
        return read_all(lambda n: os.read(fd, n), limit)
    except OSError as e:
        raise Unreadable(f"cannot read: {e.strerror or e}") from e


def read_all(read: Callable[[int], bytes], limit: int, *, chunk: int = CHUNK) -> bytes:
    """Read to the end, refusing more than `limit` bytes (it reads one byte past it to know)."""
    chunks: list[bytes] = []
    size = 0
    while data := read(min(chunk, limit + 1 - size)):
        chunks.append(data)
        size += len(data)
        if size > limit:
            raise too_large(limit)
    return b"".join(chunks)


def _check(st: os.stat_result, limit: int, *, pipes: bool) -> None:
    if stat.S_ISREG(st.st_mode):
        if st.st_size > limit:
            raise too_large(limit)
    elif not (pipes and stat.S_ISFIFO(st.st_mode)):
        readable = "regular files and pipes" if pipes else "regular files"
        raise Unreadable(f"{kind_of(st.st_mode)}: lint reads only {readable}")


class _Pipe:
    """Non-blocking reads from a pipe: wait for a connected writer's data or its end; if the
    pipe is empty and has no writer, give one WRITER_WAIT seconds to connect, then stop."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)
        self._waited = False

    def read(self, size: int) -> bytes:
        while True:
            try:
                chunk = os.read(self._fd, size)
            except BlockingIOError:  # a writer is connected and has nothing yet
                self._poll.poll()
                continue
            if chunk or self._waited:
                self._waited = True
                return chunk
            self._waited = True  # empty with no writer: one chance for a writer to connect
            if not self._poll.poll(int(WRITER_WAIT * 1000)):
                return b""


def decode(data: bytes) -> str:
    """UTF-8 text, or where the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise Unreadable(
            f"cannot read: not UTF-8 text (byte 0x{data[e.start]:02x})", line, column
        ) from e


def parse_json(text: str) -> Any:
    """A JSON document; invalid JSON, nesting deeper than the parser's stack and numbers too long
    to convert are each an Unreadable with a position where JSON gives one."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise Unreadable(f"invalid JSON: {e.msg}", e.lineno, e.colno) from e
    except RecursionError as e:
        raise Unreadable("invalid JSON: nested too deeply") from e
    except ValueError as e:  # int() of more digits than Python converts
        found = _LONG_NUMBER.search(text)
        line, column = position(text, found.start() if found else 0)
        message = f"invalid JSON: a number with more than {MAX_JSON_DIGITS} digits"
        raise Unreadable(message, line, column) from e


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of `offset` in `text` (`len(text)`: just past its end)."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
