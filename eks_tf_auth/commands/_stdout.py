"""stdout as the commands write it: data only, and a failure to write it (a full disk, a reader
that went away, a closed descriptor) is the command's failure, reported in one line with exit 1
rather than a traceback, Python's exit 120, or a silent loss."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterator

from eks_tf_auth.errors import Error


class StdoutError(Error):
    """stdout could not take what a command wrote."""


class _Guarded(io.TextIOBase):
    """Forwards to the real stdout; turns its OSErrors into `StdoutError`."""

    def __init__(self, stream: io.TextIOBase | None) -> None:
        self._stream = stream

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "errors", None) or "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream is not None and self._stream.isatty()

    def write(self, text: str) -> int:
        if text == "":  # click probes streams with empty writes; nothing to lose
            return 0
        if self._stream is None:
            raise _failure(OSError(errno.EBADF, "it is closed"))
        try:
            return self._stream.write(text)
        except OSError as e:
            raise _failure(e) from e

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except OSError as e:
                raise _failure(e) from e


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """While a command runs, a failed write to stdout raises `StdoutError`."""
    real = sys.stdout
    sys.stdout = _Guarded(real)  # type: ignore[arg-type]
    try:
        yield
        sys.stdout.flush()
    except StdoutError:
        # What is still buffered can never be written: point the process's descriptor at
        # /dev/null so that the interpreter's own flush at exit does not fail a second time
        # (exit 120). Only for the process's own stdout, not a stream a caller put in its place.
        if real is sys.__stdout__:
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        raise
    finally:
        sys.stdout = real


def _failure(error: OSError) -> StdoutError:
    reason = error.strerror or str(error)
    return StdoutError(
        f"cannot write to stdout: {reason}",
        hint="check where stdout goes (a full disk, a closed pipe or descriptor)",
    )
