from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from eks_tf_auth import cache

KEY = "ab" * 32
OUTPUT = '{"kind":"ExecCredential","apiVersion":"v","spec":{},"status":{"token":"k8s-aws-v1.x"}}\n'


@pytest.fixture
def cdir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def entry(cdir: Path) -> Path:
    return cdir / f"{KEY}.token"


def test_round_trip_and_permissions(cdir: Path) -> None:
    assert cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    assert cache.read(str(cdir), KEY, time.time()) == OUTPUT
    assert cdir.stat().st_mode & 0o777 == 0o700
    assert entry(cdir).stat().st_mode & 0o777 == 0o600
    assert [p.name for p in cdir.iterdir()] == [entry(cdir).name]  # no temp file left


def test_served_only_with_a_minute_left(cdir: Path) -> None:
    now = time.time()
    cache.write(str(cdir), KEY, OUTPUT, now + 120)
    assert cache.read(str(cdir), KEY, now + 59) == OUTPUT
    assert cache.read(str(cdir), KEY, now + 61) is None


def test_entry_for_another_key_is_a_miss(cdir: Path) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    other = "cd" * 32
    os.rename(entry(cdir), cdir / f"{other}.token")
    assert cache.read(str(cdir), other, time.time()) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b"",  # empty
        lambda b: b"garbage\n" + b,  # bad header
        lambda b: b.replace(cache.FORMAT, b"eks-tf-auth-cache/0"),
        lambda b: b.replace(b'{"kind"', b'{"kinx"'),
        lambda b: b + b"extra\n",
        lambda b: b[:-1],  # no final newline
        lambda b: b + b"\xff" * 70000,  # oversized
        lambda b: b.replace(b"k8s-aws-v1.x", b"k8s-aws-v1.\xff"),  # not UTF-8
    ],
)
def test_corrupt_entries_are_misses(cdir: Path, mangle: object) -> None:
    assert callable(mangle)
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    entry(cdir).write_bytes(mangle(entry(cdir).read_bytes()))
    assert cache.read(str(cdir), KEY, time.time()) is None


def test_symlinked_entry_is_refused(cdir: Path, tmp_path: Path) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    target = tmp_path / "elsewhere"
    entry(cdir).rename(target)
    entry(cdir).symlink_to(target)
    assert cache.read(str(cdir), KEY, time.time()) is None


def test_symlinked_directory_is_refused(cdir: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    cache.write(str(real), KEY, OUTPUT, time.time() + 600)
    cdir.symlink_to(real)
    assert cache.read(str(cdir), KEY, time.time()) is None
    assert not cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_group_or_world_accessible_entry_is_refused(cdir: Path, mode: int) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    entry(cdir).chmod(mode)
    assert cache.read(str(cdir), KEY, time.time()) is None


def test_open_directory_is_neither_read_nor_written(cdir: Path) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    cdir.chmod(0o755)
    assert cache.read(str(cdir), KEY, time.time()) is None
    assert not cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    with cache.Lock(str(cdir), KEY) as lock:
        assert not lock.held


@pytest.mark.skipif(os.getuid() != 0, reason="changing a file's owner needs root")
def test_foreign_owner_is_refused(cdir: Path) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    os.chown(entry(cdir), 65534, 65534)
    assert cache.read(str(cdir), KEY, time.time()) is None
    os.chown(entry(cdir), 0, 0)
    os.chown(cdir, 65534, 65534)
    assert cache.read(str(cdir), KEY, time.time()) is None


def test_lock_times_out_instead_of_waiting(cdir: Path) -> None:
    with cache.Lock(str(cdir), KEY) as first:
        assert first.held
        start = time.monotonic()
        with cache.Lock(str(cdir), KEY, timeout=0.2) as second:
            assert not second.held
        assert 0.15 < time.monotonic() - start < 2
    with cache.Lock(str(cdir), KEY, timeout=0.2) as third:
        assert third.held


def test_clear(cdir: Path) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    cache.write(str(cdir), "cd" * 32, OUTPUT, time.time() + 600)
    with cache.Lock(str(cdir), KEY):
        pass
    (cdir / "unrelated.txt").write_text("keep")
    assert cache.clear(str(cdir)) == 2
    assert [p.name for p in cdir.iterdir()] == ["unrelated.txt"]
    assert cache.clear(str(cdir / "missing")) == 0


BASE = {
    "HOME": "/home/u",
    "AWS_ACCESS_KEY_ID": "AKIA1",
    "AWS_SECRET_ACCESS_KEY": "s1",
    "AWS_SESSION_TOKEN": "t1",
}
ARGV = ["exec", "--cluster-name", "c"]


@pytest.mark.parametrize(
    ("argv", "changes"),
    [
        ([*ARGV, "--role-arn", "arn:aws:iam::123456789012:role/r"], {}),
        ([*ARGV, "--profile", "p"], {}),
        (["exec", "--cluster-name", "d"], {}),
        (ARGV, {"AWS_ACCESS_KEY_ID": "AKIA2"}),
        (ARGV, {"AWS_PROFILE": "other"}),
        (ARGV, {"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/w"}),
        (ARGV, {"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"}),
        (ARGV, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1"}),
        (ARGV, {"AWS_REGION": "eu-west-1"}),
        (ARGV, {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"}),
        (ARGV, {"AWS_CONFIG_FILE": "/etc/other"}),
        (ARGV, {"KUBERNETES_EXEC_INFO": '{"apiVersion":"client.authentication.k8s.io/v1"}'}),
        (ARGV, {"HOME": "/home/v"}),
    ],
)
def test_key_changes_with_whatever_selects_identity_or_token(
    argv: list[str], changes: dict[str, str]
) -> None:
    assert cache.invocation_key(argv, {**BASE, **changes}) != cache.invocation_key(ARGV, BASE)


@pytest.mark.parametrize(
    "changes",
    [
        {"AWS_SECRET_ACCESS_KEY": "s2"},  # a corrected secret must not get the old token
        {"AWS_SESSION_TOKEN": "t2"},
        {"AWS_SECURITY_TOKEN": "t3"},
        {"BOTO_CONFIG": "/etc/boto.cfg"},
    ],
)
def test_key_follows_secrets_and_boto_config(changes: dict[str, str]) -> None:
    assert cache.invocation_key(ARGV, {**BASE, **changes}) != cache.invocation_key(ARGV, BASE)


def test_key_ignores_unrelated_env() -> None:
    changed = {**BASE, "TERM": "x", "PWD": "/elsewhere", "KUBECONFIG": "/k"}
    assert cache.invocation_key(ARGV, changed) == cache.invocation_key(ARGV, BASE)


def test_key_follows_config_file_contents(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-west-2\n")
    env = {**BASE, "AWS_CONFIG_FILE": str(config)}
    before = cache.invocation_key(ARGV, env)
    config.write_text("[default]\nregion = eu-west-1\n")
    assert cache.invocation_key(ARGV, env) != before


def test_enabled_switches() -> None:
    assert cache.enabled(ARGV, {})
    assert not cache.enabled([*ARGV, "--no-cache"], {})
    assert not cache.enabled(ARGV, {"EKS_TF_AUTH_NO_CACHE": "1"})
    assert cache.enabled(ARGV, {"EKS_TF_AUTH_NO_CACHE": "0"})


def test_directory_defaults() -> None:
    home = {"HOME": "/home/u"}
    assert cache.directory({**home, "EKS_TF_AUTH_CACHE_DIR": "/x"}) == "/x"
    assert cache.directory({**home, "XDG_CACHE_HOME": "/c"}) == "/c/eks-tf-auth"
    assert cache.directory({**home, "XDG_CACHE_HOME": "rel"}) == "/home/u/.cache/eks-tf-auth"
    assert cache.directory(home) == "/home/u/.cache/eks-tf-auth"


def test_no_absolute_directory_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache.directory({"HOME": ""}) is None
    assert cache.directory({"HOME": "/h", "EKS_TF_AUTH_CACHE_DIR": "relative/dir"}) is None
    assert cache.lookup(ARGV, {"HOME": ""}) is None
    # No HOME and no password-database entry (an arbitrary uid in a container):
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    assert cache.directory({}) is None


def test_write_prunes_expired_entries_and_old_temporary_files(cdir: Path) -> None:
    now = time.time()
    cache.write(str(cdir), "cd" * 32, OUTPUT, now + 5)  # expires in 5 s
    cache.write(str(cdir), "ef" * 32, OUTPUT, now + 600)
    damaged = cdir / f"{'aa' * 32}.token"  # ours by name, not an entry
    damaged.write_bytes(b"not an entry")
    damaged.chmod(0o600)
    old_tmp = cdir / f".{KEY}.token.abc.tmp"
    old_tmp.write_bytes(b"half")
    os.utime(old_tmp, (now - 7200, now - 7200))
    fresh_tmp = cdir / f".{KEY}.token.def.tmp"
    fresh_tmp.write_bytes(b"in progress")
    (cdir / "junk.token").write_bytes(b"not ours: kept")
    (cdir / "x.lock").write_bytes(b"")
    (cdir / "link.token").symlink_to(cdir / f"{'ef' * 32}.token")  # not ours by name: kept
    assert cache.prune(str(cdir), now + 10) == 3
    assert sorted(p.name for p in cdir.iterdir()) == sorted(
        [f"{'ef' * 32}.token", fresh_tmp.name, "junk.token", "x.lock", "link.token"]
    )


def test_leftover_temporary_file_does_not_block_writes(cdir: Path) -> None:
    cdir.mkdir(mode=0o700)
    for pid in range(os.getpid() - 2, os.getpid() + 3):
        (cdir / f".{KEY}.token.{pid}.tmp").write_bytes(b"left by a killed run")
    assert cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    assert cache.read(str(cdir), KEY, time.time()) == OUTPUT


def test_unreadable_entry_is_a_miss(cdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)

    def broken(*_: object) -> os.stat_result:
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patched:
        patched.setattr(os, "fstat", broken)
        result = cache.read(str(cdir), KEY, time.time())
    assert result is None


def test_failed_write_leaves_no_temporary_file(cdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise OSError(28, "No space left on device")

    cdir.mkdir(mode=0o700)
    with monkeypatch.context() as patched, pytest.raises(OSError, match="No space"):
        patched.setattr(os, "fsync", broken)
        cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    assert list(cdir.iterdir()) == []


def test_lock_file_that_cannot_be_opened(cdir: Path) -> None:
    cdir.mkdir(mode=0o700)
    (cdir / f"{KEY}.lock").symlink_to(cdir / "elsewhere")  # O_NOFOLLOW refuses it
    with cache.Lock(str(cdir), KEY) as lock:
        assert not lock.held


def test_directory_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    assert not cache.ensure_dir(str(tmp_path / "file" / "cache"))


def test_clear_skips_what_it_cannot_remove(cdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)

    def busy(_: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    with monkeypatch.context() as patched:
        patched.setattr(os, "unlink", busy)
        removed = cache.clear(str(cdir))
    assert removed == 0


# --- a cache that cannot serve a wrong or damaged token ----------------------------------------


def test_an_edited_body_is_a_miss_and_is_replaced(cdir: Path) -> None:
    """Still a well-formed ExecCredential, but not the one stored: the body digest says so."""
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    entry(cdir).write_bytes(entry(cdir).read_bytes().replace(b"aws-v1.x", b"aws-v1.y"))
    assert cache.read(str(cdir), KEY, time.time()) is None
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    assert cache.read(str(cdir), KEY, time.time()) == OUTPUT


def test_an_entry_signed_in_the_future_is_not_served(cdir: Path) -> None:
    """Written while the clock was 3 h fast: not served once the clock is right."""
    now = time.time()
    cache.write(str(cdir), KEY, OUTPUT, now + 3 * 3600 + 600, signed_at=now + 3 * 3600)
    assert cache.read(str(cdir), KEY, now) is None
    # Fast by 10 minutes with credentials that expire soon: short enough, still refused.
    cache.write(str(cdir), KEY, OUTPUT, now + 700, signed_at=now + 600)
    assert cache.read(str(cdir), KEY, now) is None
    cache.write(str(cdir), KEY, OUTPUT, now + 600, signed_at=now + 30)  # within the skew
    assert cache.read(str(cdir), KEY, now) == OUTPUT


def test_an_entry_that_claims_more_than_eks_accepts_is_not_served(cdir: Path) -> None:
    now = time.time()
    cache.write(str(cdir), KEY, OUTPUT, now + cache.MAX_REMAINING + 60, signed_at=now)
    assert cache.read(str(cdir), KEY, now) is None


def test_a_rewrite_with_the_same_size_and_mtime_changes_the_key(tmp_path: Path) -> None:
    """Key rotation scripts and `cp --preserve=timestamps` keep size and mtime."""
    credentials = tmp_path / "credentials"
    credentials.write_text("[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "HOME": str(tmp_path)}
    before = os.stat(credentials)
    first = cache.invocation_key(["exec"], env)
    credentials.write_text("[default]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\n")
    os.utime(credentials, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(credentials).st_size == before.st_size
    assert cache.invocation_key(["exec"], env) != first
    credentials.write_text("[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\n")
    assert cache.invocation_key(["exec"], env) == first  # the same content is the same key


def test_a_fifo_in_place_of_a_file_never_blocks(cdir: Path, tmp_path: Path) -> None:
    cache.ensure_dir(str(cdir))
    os.mkfifo(entry(cdir), 0o600)
    config = tmp_path / "config-fifo"
    os.mkfifo(config)
    started = time.monotonic()
    assert cache.read(str(cdir), KEY, time.time()) is None
    key = cache.invocation_key(["exec"], {"AWS_CONFIG_FILE": str(config), "HOME": "/x"})
    assert cache.write(str(cdir), "cd" * 32, OUTPUT, time.time() + 600)  # prunes past the FIFO
    assert time.monotonic() - started < 2 and len(key) == 64


def test_files_that_are_not_ours_survive_prune_and_clear(cdir: Path) -> None:
    """EKS_TF_AUTH_CACHE_DIR pointed at a directory of the user's own."""
    cache.ensure_dir(str(cdir))
    theirs = [
        cdir / "notes.token",
        cdir / ".draft.tmp",
        cdir / "app.lock",
        cdir / ("ab" * 31 + ".token"),
    ]
    old = time.time() - 7200
    for path in theirs:
        path.write_text("mine")
        os.utime(path, (old, old))
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    assert cache.clear(str(cdir)) == 1
    assert all(path.read_text() == "mine" for path in theirs)


def test_leftovers_of_killed_runs_go_with_the_next_write(cdir: Path) -> None:
    cache.ensure_dir(str(cdir))
    old = time.time() - cache.STALE_TMP - 5
    leftover = cdir / f".{KEY}.token.k1l2e3d4.tmp"
    fresh = cdir / f".{'cd' * 32}.token.w5r6i7t8.tmp"  # another run is writing it right now
    idle_lock = cdir / f"{'ef' * 32}.lock"
    for path in (leftover, fresh, idle_lock):
        path.write_text("x")
    os.utime(leftover, (old, old))
    idle = time.time() - cache.STALE_LOCK - 5
    os.utime(idle_lock, (idle, idle))
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    assert not leftover.exists() and not idle_lock.exists() and fresh.exists()


def test_an_old_format_entry_is_pruned(cdir: Path) -> None:
    cache.ensure_dir(str(cdir))
    other = cdir / f"{'cd' * 32}.token"
    other.write_bytes(b"eks-tf-auth-cache/1 " + b"cd" * 32 + b" 99999999999\n" + OUTPUT.encode())
    other.chmod(0o600)
    cache.write(str(cdir), KEY, OUTPUT, time.time() + 600)
    assert not other.exists()


@pytest.mark.parametrize(
    ("mode", "why"),
    [(0o755, "others may read or write it (mode 0755; use 0700)"), (None, "not a directory")],
)
def test_cache_clear_says_why_it_does_not_clear(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mode: int | None,
    why: str,
) -> None:
    from eks_tf_auth import cli

    target = tmp_path / "shared"
    if mode is None:
        target.write_text("a file")
    else:
        target.mkdir()
        target.chmod(mode)
        (target / f"{KEY}.token").write_text("kept")
    monkeypatch.setenv("EKS_TF_AUTH_CACHE_DIR", str(target))
    assert cli.main(["cache", "clear"]) == 2
    err = capsys.readouterr().err
    assert "is not used, so not cleared" in err and why in err


def test_an_entry_that_vanishes_while_pruning_is_left_alone(cdir: Path) -> None:
    cache.ensure_dir(str(cdir))
    gone = cdir / f"{KEY}.token"
    gone.write_text("x")
    [entry] = list(os.scandir(cdir))
    gone.unlink()
    assert cache._stale(entry, time.time()) is False


def test_a_cache_path_under_a_file_is_not_usable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert cache.usable(str(tmp_path / "file" / "cache")) == "Not a directory"


def test_a_body_that_is_not_utf8_is_a_miss_even_with_its_digest(cdir: Path) -> None:
    cache.ensure_dir(str(cdir))
    body = b'{"kind":"ExecCredential","x":"\xff"}\n'
    now = time.time()
    header = b"%s %s %d %d %s" % (
        cache.FORMAT,
        KEY.encode(),
        int(now),
        int(now + 600),
        hashlib.sha256(body).hexdigest().encode(),
    )
    entry(cdir).write_bytes(header + b"\n" + body)
    entry(cdir).chmod(0o600)
    assert cache.read(str(cdir), KEY, now) is None


def test_an_unreadable_config_file_enters_the_key_by_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\n")
    env = {"AWS_CONFIG_FILE": str(config), "HOME": str(tmp_path)}
    readable = cache.invocation_key(["exec"], env)
    real_open = os.open

    def denied(path: str, *args: int) -> int:
        if path == str(config):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args)

    monkeypatch.setattr(os, "open", denied)
    assert cache.invocation_key(["exec"], env) != readable
