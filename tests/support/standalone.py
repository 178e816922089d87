"""The standalone executable for tests: built once per session when missing or stale (the build
takes about 20 s; `make test` builds it before pytest starts), and an environment with no Python
anywhere on PATH, with every program started traced."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from standalone import build
from tests.support.tools import IN_CI, require_tool

EXECUTABLE = build.EXECUTABLE
LOCK = build.WORK.parent / "standalone.lock"  # pytest-xdist workers build one at a time
ENV_I = ("/usr/bin/env", "-i")
_EXECVE = re.compile(r'^\d+\s+execve\("([^"]+)"')


def _fresh() -> bool:
    try:
        recorded = json.loads(build.PROVENANCE.read_text())["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return bool(EXECUTABLE.exists() and recorded == build.source_digest())


def executable() -> Path:
    """dist/standalone/eks-tf-auth/eks-tf-auth, built from this tree. Without PyInstaller (a
    venv made without the `standalone` extra) a skip, but a failure under CI=true."""
    if _fresh():
        return EXECUTABLE
    if importlib.util.find_spec("PyInstaller") is None:
        message = "PyInstaller is not installed (pip install -e '.[standalone]')"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: make venv installs it)")
        pytest.skip(message)
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _fresh():
            proc = subprocess.run(
                [sys.executable, str(build.ROOT / "standalone" / "build.py")],
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
    return EXECUTABLE


def bare_env(tmp: Path, **values: str) -> dict[str, str]:
    """What `env -i` leaves, plus `values`: a HOME, and a PATH of one empty directory, so that
    no Python (nor anything else) can be found on it."""
    bindir = tmp / "bin"
    bindir.mkdir(exist_ok=True)
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": str(bindir), "HOME": str(home), **values}
    assert shutil.which("python3", path=env["PATH"]) is None
    return env


def under_strace(
    argv: Sequence[str],
    env: Mapping[str, str],
    trace: Path,
    *,
    calls: str = "execve",
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run argv under `env -i` with `env` and `strace -f -e trace=<calls>`, which writes to
    `trace`."""
    strace = require_tool("strace")
    command = [strace, "-f", "-qq", "-e", f"trace={calls}", "-o", str(trace), *ENV_I]
    return subprocess.run(
        [*command, *(f"{k}={v}" for k, v in env.items()), *argv],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": os.defpath},
        check=False,
    )


def traced(
    argv: Sequence[str],
    env: Mapping[str, str],
    trace: Path,
    *,
    stdin: str | None = None,
    timeout: float = 120,
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run argv under `env -i` and `strace -f -e trace=execve`; its result and every program
    it and its children started (strace's own start of `env` first)."""
    proc = under_strace(argv, env, trace, stdin=stdin, timeout=timeout)
    started = [m.group(1) for line in trace.read_text().splitlines() if (m := _EXECVE.match(line))]
    return proc, started


def pythons(started: Sequence[str]) -> list[str]:
    """The programs among `started` that are a Python interpreter."""
    return [p for p in started if re.match(r"python", Path(os.path.realpath(p)).name)]
