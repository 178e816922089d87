"""The plumbing exec_bench.py and lint_bench.py share: the venv, an isolated environment,
running commands, timing them with hyperfine, and reporting targets.

The benchmarks run as scripts, so bench/ is sys.path[0] and they import this as `harness`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

STRIPPED_PREFIXES = ("AWS_", "KUBERNETES_", "EKS_TF_AUTH_")


class BenchError(Exception):
    """A measurement could not be made at all."""


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    argv: tuple[str, ...]
    exits: tuple[int, ...] = (0,)  # exit codes every timed run must have


@dataclass(frozen=True)
class Timing:
    median_s: float
    mean_s: float
    stddev_s: float
    min_s: float
    max_s: float
    runs: int


@dataclass(frozen=True)
class Target:
    description: str
    value: str
    met: bool


# --- setup -------------------------------------------------------------------------------------


def runs_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse `type` for --runs: an integer >= minimum."""

    def runs(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return runs


def require_hyperfine(prog: str) -> str:
    """The hyperfine executable; exits 2 with one line on stderr if it is missing."""
    hyperfine = shutil.which("hyperfine")
    if hyperfine is None:
        fail(
            prog, "hyperfine not found on PATH (run `make tools` or `apt-get install -y hyperfine`)"
        )
    return hyperfine


def venv_bin(prog: str, scripts: Sequence[str]) -> Path:
    """The directory of sys.executable, which must hold each of `scripts`; exits 2 if not."""
    # Not resolved: a venv's python is a symlink to the base interpreter, and the venv is the
    # directory the link lives in.
    bindir = Path(os.path.abspath(sys.executable)).parent
    for script in scripts:
        if not os.access(bindir / script, os.X_OK):
            fail(prog, f"{bindir / script} not found: run this with the project venv's python")
    return bindir


def guarded(prog: str, bench: Callable[[], int]) -> int:
    """bench()'s exit code; a BenchError exits 2 with one line on stderr, Ctrl-C returns 130."""
    try:
        return bench()
    except BenchError as e:
        fail(prog, f"measurement failed: {e}")
    except KeyboardInterrupt:
        return 130


def isolated_env(
    base: Mapping[str, str], home: Path, bindir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """os.environ minus AWS_*, KUBERNETES_*, EKS_TF_AUTH_*, with a temporary HOME, no instance
    metadata, the venv's bin first on PATH, and `extra` on top.

    Bytecode goes to a private PYTHONPYCACHEPREFIX (written by the first run of each command,
    which the warm-up absorbs) and PYTHONDONTWRITEBYTECODE is dropped: otherwise a stale or
    missing __pycache__ in the tree (an edited module, PYTHONDONTWRITEBYTECODE=1) would time
    the compiler on every run, and nothing is written to the project or the venv.
    """
    env = {
        k: v
        for k, v in base.items()
        if not k.startswith(STRIPPED_PREFIXES) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
        PATH=os.pathsep.join([str(bindir), *filter(None, base.get("PATH", "").split(os.pathsep))]),
    )
    env.update(extra or {})
    return env


# --- measurements ------------------------------------------------------------------------------


def run(
    argv: Sequence[str], env: Mapping[str, str], timeout: float | None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run argv to completion with no stdin, capturing its output; BenchError if it cannot be
    started or outlives `timeout` seconds (None: no limit)."""
    try:
        return subprocess.run(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"{shlex.join(argv)}: {e}") from None


def hyperfine(
    exe: str,
    cases: Sequence[Case],
    *,
    runs: int,
    warmup: int,
    env: Mapping[str, str],
    export: Path,
    cwd: Path | None = None,
    ignore_failure: bool = False,
) -> dict[str, Timing]:
    """Time `cases` in one `hyperfine --shell=none` run, from the times in its JSON export.

    With ignore_failure (`-i`) a command may exit non-zero; either way every run's exit code is
    checked against the case's expected codes from the export.
    """
    argv = [exe, "--warmup", str(warmup), "--runs", str(runs)]
    if ignore_failure:
        argv.append("--ignore-failure")
    argv += ["--export-json", str(export), "--shell=none", "--style", "none"]
    for case in cases:
        argv += ["--command-name", case.key, shlex.join(case.argv)]
    proc = run(argv, env, timeout=None, cwd=cwd)
    if proc.returncode != 0:
        raise BenchError(f"hyperfine failed (exit {proc.returncode}): {last_line(proc.stderr)}")
    try:
        results = {str(r["command"]): r for r in json.loads(export.read_text())["results"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BenchError(f"cannot read hyperfine's export {export}: {e!r}") from None
    missing = [c.key for c in cases if c.key not in results]
    if missing:
        raise BenchError(f"hyperfine's export lacks {', '.join(missing)}")
    timings: dict[str, Timing] = {}
    try:
        for case in cases:
            result = results[case.key]
            bad = sorted({int(c) for c in result["exit_codes"]} - set(case.exits))
            if bad:
                raise BenchError(
                    f"{case.label} exited {', '.join(map(str, bad))} under hyperfine "
                    f"(expected {' or '.join(map(str, case.exits))})"
                )
            timings[case.key] = timing([float(t) for t in result["times"]])
    except (ValueError, KeyError, TypeError) as e:
        raise BenchError(f"cannot read hyperfine's export {export}: {e!r}") from None
    return timings


def hyperfine_version(exe: str) -> str:
    """What `hyperfine --version` prints, e.g. `hyperfine 1.15.0`."""
    return last_line(run([exe, "--version"], os.environ, timeout=None).stdout)


def timing(times_s: Sequence[float]) -> Timing:
    if not times_s:
        raise BenchError("hyperfine recorded no runs")
    return Timing(
        median_s=statistics.median(times_s),
        mean_s=statistics.fmean(times_s),
        stddev_s=statistics.stdev(times_s) if len(times_s) > 1 else 0.0,
        min_s=min(times_s),
        max_s=max(times_s),
        runs=len(times_s),
    )


# --- report ------------------------------------------------------------------------------------


def host(bindir: Path) -> str:
    """The machine, the interpreter and the venv, for the report's second line."""
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, venv {bindir.parent}"
    )


def print_targets(targets: Sequence[Target], width: int) -> None:
    """The targets, each met or MISS, its description padded to `width`, and its value."""
    print("targets:")
    for t in targets:
        print(f"  {'met ' if t.met else 'MISS'}  {t.description:<{width}} {t.value}")


def finish(targets: Sequence[Target], started: float) -> int:
    """Print the summary line; the exit code: 1 if a target is missed and BENCH_ENFORCE=1."""
    missed = [t for t in targets if not t.met]
    enforce = os.environ.get("BENCH_ENFORCE") == "1"
    summary = f"{len(targets) - len(missed)}/{len(targets)} targets met"
    print(f"{summary}; whole run {time.monotonic() - started:.1f} s", end="")
    if missed and enforce:
        print(" (BENCH_ENFORCE=1: exit 1)")
        return 1
    print(" (set BENCH_ENFORCE=1 to fail on a miss)" if missed else "")
    return 0


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def fail(prog: str, message: str) -> NoReturn:
    print(f"{prog}: {message}", file=sys.stderr)
    raise SystemExit(2)


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


GNU_TIME = "/usr/bin/time"


def peak_rss_mib(
    case: Case,
    env: Mapping[str, str],
    scratch: Path,
    *,
    runs: int,
    timeout: float | None,
    cwd: Path | None = None,
) -> float:
    """The largest maximum resident set size (GNU time %M, KiB) over `runs` runs, in MiB; each
    run must exit with one of the case's codes."""
    out = scratch / f"rss-{case.key}.txt"
    peak_kib = 0
    for _ in range(runs):
        proc = run([GNU_TIME, "-f", "%M", "-o", str(out), *case.argv], env, timeout, cwd)
        if proc.returncode not in case.exits:
            raise BenchError(
                f"{GNU_TIME} {case.label} failed (exit {proc.returncode}): {last_line(proc.stderr)}"
            )
        try:
            peak_kib = max(peak_kib, int(out.read_text().split()[-1]))
        except (OSError, ValueError, IndexError):
            raise BenchError(f"{GNU_TIME} gave no %M figure for {case.label}") from None
    return peak_kib / 1024.0


# The AWS documentation's example keys: what they sign reaches moto or nothing.
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-west-2"


def example_aws(home: Path, **settings: str) -> dict[str, str]:
    """The example keys and region in the environment and no AWS config or credentials file,
    with `settings` (AWS_* or EKS_TF_AUTH_* variables) over them: for isolated_env."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(home / "nonexistent" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "nonexistent" / "credentials"),
        **settings,
    }
