"""Writing files so that nothing is ever half-written: a temporary file beside the target,
fsync, then a rename over it; on any failure the temporary file is removed and the old file
stays as it was."""

from __future__ import annotations

import contextlib
import os


def write_atomic(path: str, data: bytes, *, mode: int = 0o600) -> None:
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    name = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)  # O_EXCL
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
