"""Token cache: one private file per invocation, holding the ExecCredential that it printed.

The key is a SHA-256 of everything that can change the answer: the arguments, every AWS_* variable
but the secrets (access key id, profile, role, web-identity file, container URI, endpoints, ...),
KUBERNETES_EXEC_INFO, the config and credentials files' identity, and the user. A hit is served
only by a run that a full, validated run stored, so the warm path (`entry.py`) needs no argument
parser, no JSON, click or botocore. Only tokens are stored, never credentials.

Safety: the directory is 0700 and the files 0600 and owned by the user; anything else (a symlink,
a foreign or group/world-accessible file, a bad header) is a miss. Writes go through a temporary
file, fsync and rename; a per-key lock file (short timeout) stops a burst of cold runs from each
signing. Every failure here means "no cache", never a failed command.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time

from eks_tf_auth import paths

TYPE_CHECKING = False  # not from typing: the cache hit stays free of typing and collections
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import ModuleType

FORMAT = b"eks-tf-auth-cache/1"
DIR_ENV = "EKS_TF_AUTH_CACHE_DIR"
DISABLE_ENV = "EKS_TF_AUTH_NO_CACHE"
NO_CACHE_FLAG = "--no-cache"
MIN_REMAINING = 60  # seconds a cached token must still be valid to be served
LOCK_TIMEOUT = 5.0
_MAX_ENTRY = 64 * 1024
_SECRET_VARS = frozenset(
    {
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    }
)
_KEY_VARS = ("KUBERNETES_EXEC_INFO", "HOME", "BOTO_CONFIG", DIR_ENV)
_SUFFIX = ".token"


def enabled(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    return NO_CACHE_FLAG not in argv and environ.get(DISABLE_ENV, "") in ("", "0", "false")


def directory(environ: Mapping[str, str]) -> str | None:
    """The cache directory, or None where there is no absolute one (no HOME, say): a relative
    path would put tokens in whatever directory the caller runs in."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    # An empty HOME is no home; without HOME, the password database ("~" if it has no entry).
    home = environ["HOME"] if "HOME" in environ else os.path.expanduser("~")
    if environ.get(DIR_ENV):
        path = environ[DIR_ENV]
    elif os.path.isabs(xdg):  # the XDG spec ignores a relative XDG_CACHE_HOME
        path = os.path.join(xdg, "eks-tf-auth")
    else:
        path = os.path.join(home, ".cache", "eks-tf-auth") if home else ""
    return path if os.path.isabs(path) else None


def invocation_key(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    h = hashlib.sha256(FORMAT)
    for arg in argv:
        h.update(b"\0a" + arg.encode("utf-8", "surrogateescape"))
    for name in sorted(environ):
        value = environ[name].encode("utf-8", "surrogateescape")
        if name in _SECRET_VARS:  # new keys mean a new token; only a digest enters the key
            h.update(b"\0s" + name.encode() + hashlib.sha256(value).digest())
        elif name.startswith("AWS_") or name in _KEY_VARS:
            h.update(b"\0e" + name.encode() + b"=" + value)
    for path in (paths.config_file(environ), paths.credentials_file(environ)):
        h.update(b"\0f" + _file_identity(path))
    h.update(f"\0u{os.getuid()}".encode())
    return h.hexdigest()


def lookup(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The stored output for this exact invocation, if still valid for MIN_REMAINING seconds."""
    dirpath = directory(environ)
    if dirpath is None:
        return None
    return read(dirpath, invocation_key(argv, environ), time.time())


def read(dirpath: str, key: str, now: float) -> str | None:
    if not _private_dir(dirpath):
        return None
    try:
        fd = os.open(os.path.join(dirpath, key + _SUFFIX), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            if not _private_file(os.fstat(f.fileno())):
                return None
            data = f.read(_MAX_ENTRY + 1)
    except OSError:
        return None
    return _parse(data, key, now)


def write(dirpath: str, key: str, output: str, expires_at: float) -> bool:
    """Store `output` atomically; False (and nothing written) if the directory is not safe."""
    if not ensure_dir(dirpath):
        return False
    from eks_tf_auth.files import write_atomic

    body = b"%s %s %d\n%s" % (FORMAT, key.encode(), int(expires_at), output.encode())
    write_atomic(os.path.join(dirpath, key + _SUFFIX), body, mode=0o600, follow_links=False)
    prune(dirpath, time.time())
    return True


def prune(dirpath: str, now: float) -> int:
    """Remove expired tokens and temporary files left by killed runs; returns how many."""
    stale = [e.path for e in os.scandir(dirpath) if _stale(e, now)]
    return sum(_unlink(path) for path in stale)


def _stale(entry: os.DirEntry[str], now: float) -> bool:
    """An expired or unreadable token, or a temporary file older than an hour."""
    try:
        if entry.name.endswith(".tmp"):
            return entry.stat(follow_symlinks=False).st_mtime < now - 3600
        if not entry.name.endswith(_SUFFIX):
            return False
        fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            fields = f.readline(200).split(b" ")
    except OSError:
        return entry.name.endswith(_SUFFIX)
    valid = len(fields) == 3 and fields[0] == FORMAT and fields[2].strip().isdigit()
    return not valid or float(fields[2]) < now


class Lock:
    """The key's lock file, held for a burst of cold runs; `held` is False if it could not be
    had within `timeout` (or the directory is unsafe), and the caller then goes on uncached."""

    def __init__(self, dirpath: str, key: str, timeout: float = LOCK_TIMEOUT) -> None:
        self._path = os.path.join(dirpath, key + ".lock")
        self._dirpath = dirpath
        self._timeout = timeout
        self._fd = -1
        self.held = False

    def __enter__(self) -> Lock:
        import fcntl

        try:
            if not ensure_dir(self._dirpath):
                return self
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            deadline = time.monotonic() + self._timeout
            self.held = _try_flock(fcntl, self._fd)
            while not self.held and time.monotonic() < deadline:
                time.sleep(0.01)
                self.held = _try_flock(fcntl, self._fd)
        except OSError:
            self.held = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing releases the flock
            self._fd = -1
        self.held = False


def clear(dirpath: str) -> int:
    """Remove every entry and lock; returns how many tokens were removed."""
    if not _private_dir(dirpath):
        return 0
    removed = 0
    for name in os.listdir(dirpath):
        if name.endswith((_SUFFIX, ".lock", ".tmp")) and _unlink(os.path.join(dirpath, name)):
            removed += name.endswith(_SUFFIX)
    return removed


def _try_flock(fcntl: ModuleType, fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def ensure_dir(dirpath: str) -> bool:
    try:
        os.makedirs(dirpath, mode=0o700, exist_ok=True)
    except OSError:
        return False
    return _private_dir(dirpath)


def _private_dir(dirpath: str) -> bool:
    try:
        st = os.lstat(dirpath)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def _private_file(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def _parse(data: bytes, key: str, now: float) -> str | None:
    header, sep, body = data.partition(b"\n")
    fields = header.split(b" ")
    if (
        not sep
        or len(data) > _MAX_ENTRY
        or len(fields) != 3
        or fields[0] != FORMAT
        or fields[1] != key.encode()
        or not fields[2].isdigit()
        or int(fields[2]) - now < MIN_REMAINING
        or not body.startswith(b'{"kind":"ExecCredential",')
        or not body.endswith(b"}\n")
        or body.count(b"\n") != 1
    ):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _file_identity(path: str) -> bytes:
    try:
        st = os.stat(path)
    except OSError:
        return b"-"
    return b"%d:%d:%d:%d" % (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
