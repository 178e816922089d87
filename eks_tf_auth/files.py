"""Writing files so that nothing is ever half-written or lost.

A temporary file beside the target, fsync, then a rename over it; on any failure the temporary
file is removed and the old file stays as it was. A user's file (a kubeconfig, a `.tf`) is written
the way kubectl writes: through a symbolic link to its target (the link stays), keeping the
target's mode and owner, and only where a plain write would be allowed; a device, FIFO, socket or
directory in its place is refused, never replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

from eks_tf_auth.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def target_of(path: str) -> str:
    """Where a write to `path` lands: the final target of a chain of symbolic links."""
    return os.path.realpath(path) if os.path.islink(path) else path


def check_writable(path: str) -> os.stat_result | None:
    """Refuse a target that is not a regular file, or that a plain write could not change.
    Returns the target's status, or None where it does not exist yet."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from e
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise InputError(
                f"{path} is {kind}, not a regular file; nothing was written",
                hint="give the path of a file",
            )
    if not os.access(path, os.W_OK):
        raise InputError(
            f"{path} is not writable for you; nothing was written",
            hint="change its permissions, or write to another path",
        )
    return st


def write_atomic(
    path: str, data: bytes, *, mode: int | None = None, follow_links: bool = True
) -> None:
    """Replace `path` with `data` atomically. `mode` defaults to the existing file's (else 0600).
    `follow_links=False` (the token cache's own files) replaces a link rather than its target
    and checks nothing: the caller owns the directory."""
    import tempfile

    target = target_of(path) if follow_links else path
    existing = check_writable(target) if follow_links else None
    if mode is None:
        mode = stat.S_IMODE(existing.st_mode) if existing else 0o600
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    name = os.path.basename(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)  # O_EXCL
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            if existing is not None and (existing.st_uid, existing.st_gid) != _ids(f.fileno()):
                with contextlib.suppress(PermissionError):  # only root can give files away
                    os.fchown(f.fileno(), existing.st_uid, existing.st_gid)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _ids(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_uid, st.st_gid


def read_text(
    path: str, *, limit: int, label: str, kind: str, hint: str | None = None
) -> str | None:
    """A small UTF-8 file's text, or None where there is none; anything but a regular file is
    refused without being waited on (a FIFO, a device). Larger than `limit` bytes is not
    `kind` (e.g. "a kubeconfig"); errors name the file as `label` + path ("the kuberc ...")."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InputError(f"cannot read {label}{path}: {e.strerror}") from e
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError(f"cannot read {label}{path}: {os.strerror(errno.EISDIR)}")
        what = next(kind for test, kind in _KINDS if test(mode))
        raise InputError(
            f"cannot read {label}{path}: it is {what}, not a regular file",
            hint="give the path of a file",
        )
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(limit + 1)
        except OSError as e:  # pragma: no cover - a regular file that fails mid-read (EIO)
            raise InputError(f"cannot read {label}{path}: {e.strerror}") from e
    if len(data) > limit:
        raise InputError(f"{path} is over {limit // (1024 * 1024)} MiB: not {kind}", hint=hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"cannot read {label}{path}: not UTF-8 text") from e
