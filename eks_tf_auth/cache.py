"""Token cache: one private file per invocation, holding the ExecCredential that it printed.

The key is a SHA-256 of everything that can change the answer: the arguments, every AWS_* variable
(the secrets only as digests), KUBERNETES_EXEC_INFO, the content of the AWS config and credentials
files, and the user. A hit is served only by a run that a full, validated run stored, so the warm
path (`entry.py`) needs no argument parser, no JSON, click or botocore. Only tokens are stored,
never credentials.

An entry is served only while it is provably the one stored for this key: its header names the
key, a digest of its body, when it was signed and when it expires. A damaged or edited entry, one
signed in the future (a clock that was fast when it was written) or one that claims more than the
15 minutes EKS accepts is a miss, and is replaced.

Safety: the directory is 0700 and the files 0600 and owned by the user; anything else (a symlink,
a FIFO, a foreign or group/world-accessible file) is a miss and is never opened in a way that
could block. Writes go through a temporary file, fsync and rename; a per-key lock file (short
timeout) stops a burst of cold runs from each signing. Pruning and `cache clear` touch only files
whose names are ours (and, for tokens, whose header is ours): a directory shared with other files
keeps them. Every failure here means "no cache", never a failed command.
"""

from __future__ import annotations

import os
import stat
import sys
import time

from eks_tf_auth import paths

TYPE_CHECKING = False  # not from typing: the cache hit stays free of typing and collections
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from types import ModuleType

FORMAT = b"eks-tf-auth-cache/2"
DIR_ENV = "EKS_TF_AUTH_CACHE_DIR"
DISABLE_ENV = "EKS_TF_AUTH_NO_CACHE"
NO_CACHE_FLAG = "--no-cache"
MIN_REMAINING = 60  # seconds a cached token must still be valid to be served
MAX_REMAINING = 15 * 60  # EKS accepts a token for 15 minutes after signing: never longer
CLOCK_SKEW = 60  # seconds a signing time may lie ahead of this clock
STALE_TMP = 30  # seconds after which a temporary file is a killed run's leftover
STALE_LOCK = 3600  # seconds after which an idle lock file is removed
LOCK_TIMEOUT = 5.0
_MAX_ENTRY = 64 * 1024
_MAX_KEYED_FILE = 1024 * 1024  # the config files enter the key by content up to this size
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
_LOCK = ".lock"
_TMP = ".tmp"
_HEX = frozenset("0123456789abcdef")


def _builtin_sha256() -> object:
    """CPython's builtin SHA-256 (a fraction of a millisecond to import); hashlib loads OpenSSL
    (several). The same digest either way."""
    # The running CPython's name only: a failed import searches every sys.path entry, and in the
    # standalone executable the last one is a zip whose directory costs 2.5 ms to read.
    if sys.version_info < (3, 12):
        name = "_sha256"  # CPython 3.10, 3.11
    else:  # pragma: no cover - the CI interpreter is 3.11
        name = "_sha2"
    try:
        return __import__(name).sha256
    except ImportError:  # pragma: no cover - a Python without the builtin module
        import hashlib

        return hashlib.sha256


if TYPE_CHECKING:
    from hashlib import sha256
else:
    sha256 = _builtin_sha256()


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
    h = sha256(FORMAT)
    for arg in argv:
        h.update(b"\0a" + arg.encode("utf-8", "surrogateescape"))
    for name in sorted(environ):
        value = environ[name].encode("utf-8", "surrogateescape")
        if name in _SECRET_VARS:  # new keys mean a new token; only a digest enters the key
            h.update(b"\0s" + name.encode() + sha256(value).digest())
        elif name.startswith("AWS_") or name in _KEY_VARS:
            h.update(b"\0e" + name.encode() + b"=" + value)
    for path in (paths.config_file(environ), paths.credentials_file(environ)):
        h.update(b"\0f" + _file_fingerprint(path))
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
    data = _read_private(os.path.join(dirpath, key + _SUFFIX), _MAX_ENTRY + 1)
    return None if data is None else _parse(data, key, now)


def write(
    dirpath: str, key: str, output: str, expires_at: float, *, signed_at: float | None = None
) -> bool:
    """Store `output` atomically; False (and nothing written) if the directory is not safe."""
    if not ensure_dir(dirpath):
        return False
    from eks_tf_auth.files import write_atomic

    body = output.encode()
    signed = int(time.time() if signed_at is None else signed_at)
    header = b"%s %s %d %d %s" % (
        FORMAT,
        key.encode(),
        signed,
        int(expires_at),
        sha256(body).hexdigest().encode(),
    )
    write_atomic(
        os.path.join(dirpath, key + _SUFFIX), header + b"\n" + body, mode=0o600, follow_links=False
    )
    prune(dirpath, time.time())
    return True


def prune(dirpath: str, now: float) -> int:
    """Remove our expired or damaged tokens, temporary files left by killed runs and idle lock
    files; returns how many. Files whose names are not ours are never touched."""
    stale = [e.path for e in os.scandir(dirpath) if _stale(e, now)]
    return sum(_unlink(path) for path in stale)


def _stale(entry: os.DirEntry[str], now: float) -> bool:
    kind = _ours(entry.name)
    if kind is None:
        return False
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    if kind == _TMP:
        return st.st_mtime < now - STALE_TMP
    if kind == _LOCK:
        return st.st_mtime < now - STALE_LOCK
    data = _read_private(entry.path, 200) if stat.S_ISREG(st.st_mode) else None
    fields = (data or b"").split(b"\n", 1)[0].split(b" ")
    if len(fields) != 5 or fields[0] != FORMAT:
        return data is not None  # ours by name, not by content: a damaged entry goes
    return not fields[3].isdigit() or int(fields[3]) < now


class Lock:
    """The key's lock file, held for a burst of cold runs; `held` is False if it could not be
    had within `timeout` (or the directory is unsafe), and the caller then goes on uncached."""

    def __init__(self, dirpath: str, key: str, timeout: float = LOCK_TIMEOUT) -> None:
        self._path = os.path.join(dirpath, key + _LOCK)
        self._dirpath = dirpath
        self._timeout = timeout
        self._fd = -1
        self.held = False

    def __enter__(self) -> Lock:
        import fcntl

        try:
            if not ensure_dir(self._dirpath):
                return self
            self._fd = os.open(
                self._path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600
            )
            deadline = time.monotonic() + self._timeout
            self.held = _try_flock(fcntl, self._fd)
            while not self.held and time.monotonic() < deadline:
                time.sleep(0.01)
                self.held = _try_flock(fcntl, self._fd)
            if self.held:
                os.utime(self._fd)  # a lock in use is not idle
        except OSError:
            self.held = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing releases the flock
            self._fd = -1
        self.held = False


def usable(dirpath: str) -> str | None:
    """Why `dirpath` cannot hold the cache, or None where it can."""
    try:
        st = os.lstat(dirpath)
    except FileNotFoundError:
        return None
    except OSError as e:
        return e.strerror or type(e).__name__
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a directory (or it is a symbolic link)"
    if st.st_uid != os.getuid():
        return "another user owns it"
    if st.st_mode & 0o077:
        return f"others may read or write it (mode {stat.S_IMODE(st.st_mode):04o}; use 0700)"
    return None


def clear(dirpath: str) -> int:
    """Remove every token, lock and temporary file of ours; returns how many tokens were
    removed. Only a usable directory is cleared (see `usable`)."""
    if not _private_dir(dirpath):
        return 0
    removed = 0
    for entry in os.scandir(dirpath):
        kind = _ours(entry.name)
        if kind is not None and _unlink(entry.path):
            removed += kind == _SUFFIX
    return removed


def _ours(name: str) -> str | None:
    """The kind of one of our files by its name (a 64-hex key and a suffix, or the temporary
    `.KEY.token.*.tmp` the atomic writer makes), or None."""
    if name.startswith(".") and name.endswith(_TMP):
        key, _, rest = name[1:].partition(".")
        return _TMP if _is_key(key) and rest.startswith(_SUFFIX[1:] + ".") else None
    for suffix in (_SUFFIX, _LOCK):
        if name.endswith(suffix) and _is_key(name[: -len(suffix)]):
            return suffix
    return None


def _is_key(text: str) -> bool:
    return len(text) == 64 and _HEX.issuperset(text)


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
    return os.path.isabs(dirpath) and usable(dirpath) is None and os.path.isdir(dirpath)


def _read_private(path: str, limit: int) -> bytes | None:
    """Up to `limit` bytes of a private regular file of ours, or None; never blocks (a FIFO or
    device in its place is opened non-blocking and refused) and never follows a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not (stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid()):
                return None
            if st.st_mode & 0o077:
                return None
            return f.read(limit)
    except OSError:
        return None


def _parse(data: bytes, key: str, now: float) -> str | None:
    header, sep, body = data.partition(b"\n")
    fields = header.split(b" ")
    if (
        not sep
        or len(data) > _MAX_ENTRY
        or len(fields) != 5
        or fields[0] != FORMAT
        or fields[1] != key.encode()
        or not (fields[2].isdigit() and fields[3].isdigit())
        or int(fields[2]) > now + CLOCK_SKEW  # signed in the future: the clock was wrong
        or not MIN_REMAINING <= int(fields[3]) - now <= MAX_REMAINING
        or fields[4] != sha256(body).hexdigest().encode()
        or not body.startswith(b'{"kind":"ExecCredential",')
        or not body.endswith(b"}\n")
        or body.count(b"\n") != 1
    ):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _file_fingerprint(path: str) -> bytes:
    """What the key holds of a config file: a digest of its content (a rewrite with the same
    size and mtime still changes it), or its type and identity where it is not a small regular
    file. Never blocks: a FIFO is not opened."""
    try:
        st = os.stat(path)
    except OSError:
        return b"-"
    identity = b"%d:%d:%d:%d:%d" % (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_KEYED_FILE:
        return identity
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            return sha256(f.read(_MAX_KEYED_FILE + 1)).digest()
    except OSError:
        return identity
