"""Benchmark `eks-tf-auth exec` against `aws eks get-token` and the bare interpreter.

A benchmark, not a test: it prints figures and whether each target is met, and exits 0 unless a
measurement could not be made at all (exit 2, one line on stderr). With BENCH_ENFORCE=1 a missed
target exits 1. Run it with the venv's python (`make bench`): the commands measured are that
venv's console scripts and interpreter (the directory of sys.executable).

Everything runs offline in an isolated environment: a temporary HOME, static example credentials
from the environment, no config or credentials file, no instance metadata, and a private cache
directory. See bench/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

CLUSTER = "bench"
REGION = "us-west-2"
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GNU_TIME = "/usr/bin/time"
WARMUP = 3
DEFAULT_RUNS = 20
MIN_RUNS = 10
RSS_RUNS = 5
TOP_IMPORTS = 10
STRIPPED_PREFIXES = ("AWS_", "KUBERNETES_", "EKS_TF_AUTH_")
FORBIDDEN_ON_HIT = ("click", "botocore", "boto3", "json", "jinja2")
EXEC_PREFIX = '{"kind":"ExecCredential",'
COMMAND_TIMEOUT = 60.0

# Targets (medians): warm >= 15x faster than get-token, warm <= 3x bare, cold >= 3x faster
# than get-token, warm peak RSS <= 25 MiB.
WARM_SPEEDUP_MIN = 15.0
WARM_OVER_BARE_MAX = 3.0
COLD_SPEEDUP_MIN = 3.0
WARM_RSS_MAX_MIB = 25.0


class BenchError(Exception):
    """A measurement could not be made at all."""


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    argv: tuple[str, ...]
    rss: bool


@dataclass(frozen=True)
class Timing:
    median_ms: float
    mean_ms: float
    stddev_ms: float
    min_ms: float
    max_ms: float


@dataclass(frozen=True)
class ImportRecord:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


@dataclass(frozen=True)
class Target:
    description: str
    value: str
    met: bool


# --- setup -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark eks-tf-auth exec (warm and cold) against aws eks get-token."
    )
    parser.add_argument(
        "--runs",
        type=_runs,
        default=DEFAULT_RUNS,
        help=f"timed runs per command (>= {MIN_RUNS}, default {DEFAULT_RUNS})",
    )
    return parser.parse_args(list(argv))


def _runs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < MIN_RUNS:
        raise argparse.ArgumentTypeError(f"must be >= {MIN_RUNS}, got {value}")
    return value


def require_tools() -> str:
    """The hyperfine executable; exits 2 with one line on stderr if a tool is missing."""
    hyperfine = shutil.which("hyperfine")
    if hyperfine is None:
        fail("hyperfine not found on PATH (run `make tools` or `apt-get install -y hyperfine`)")
    if not os.access(GNU_TIME, os.X_OK):
        fail(f"{GNU_TIME} (GNU time) not found (apt-get install -y time)")
    return hyperfine


def venv_bin() -> Path:
    # Not resolved: a venv's python is a symlink to the base interpreter, and the venv is the
    # directory the link lives in.
    bindir = Path(os.path.abspath(sys.executable)).parent
    for script in ("eks-tf-auth", "aws"):
        if not os.access(bindir / script, os.X_OK):
            fail(f"{bindir / script} not found: run this with the project venv's python")
    return bindir


def isolated_env(base: Mapping[str, str], home: Path, bindir: Path) -> dict[str, str]:
    """os.environ minus AWS_*, KUBERNETES_*, EKS_TF_AUTH_*, plus the fixed bench settings.

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
        AWS_ACCESS_KEY_ID=ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=str(home / "nonexistent" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "nonexistent" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        EKS_TF_AUTH_CACHE_DIR=str(home / "eks-tf-auth-cache"),
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
        PATH=os.pathsep.join([str(bindir), *filter(None, base.get("PATH", "").split(os.pathsep))]),
    )
    return env


def cases(bindir: Path) -> list[Case]:
    python = str(bindir / "python")
    exec_argv = (str(bindir / "eks-tf-auth"), "exec", "--cluster-name", CLUSTER, "--region", REGION)
    get_token = (
        str(bindir / "aws"),
        "eks",
        "get-token",
        "--cluster-name",
        CLUSTER,
        "--region",
        REGION,
        "--output",
        "json",
    )
    return [
        Case("warm", "eks-tf-auth exec (cache hit)", exec_argv, rss=True),
        Case("cold", "eks-tf-auth exec --no-cache", (*exec_argv, "--no-cache"), rss=True),
        Case("get-token", "aws eks get-token", get_token, rss=True),
        Case("bare", "python -c pass", (python, "-c", "pass"), rss=True),
        Case("click", 'python -c "import click"', (python, "-c", "import click"), rss=False),
        Case(
            "botocore",
            'python -c "import botocore.session"',
            (python, "-c", "import botocore.session"),
            rss=False,
        ),
    ]


# --- measurements ------------------------------------------------------------------------------


def run(argv: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"{shlex.join(argv)}: {e}") from None


def exec_output(case: Case, env: Mapping[str, str]) -> str:
    """Run `case` once; its stdout, which must be an ExecCredential."""
    proc = run(case.argv, env)
    if proc.returncode != 0 or not proc.stdout.startswith(EXEC_PREFIX):
        raise BenchError(
            f"{case.label} failed (exit {proc.returncode}): {last_line(proc.stderr or proc.stdout)}"
        )
    return proc.stdout


def fill_cache(warm: Case, env: Mapping[str, str]) -> str:
    """Store the warm invocation's token and check that the next run is served from the cache."""
    stored = exec_output(warm, env)
    cache_dir = Path(env["EKS_TF_AUTH_CACHE_DIR"])
    if not any(cache_dir.glob("*.token")):
        raise BenchError(f"the warm run stored no token in {cache_dir}: no cache hit to measure")
    if exec_output(warm, env) != stored:
        raise BenchError("the second warm run signed a new token: no cache hit to measure")
    return stored


def hyperfine(
    exe: str, selected: Sequence[Case], runs: int, env: Mapping[str, str], export: Path
) -> dict[str, Timing]:
    argv = [
        exe,
        "--warmup",
        str(WARMUP),
        "--runs",
        str(runs),
        "--export-json",
        str(export),
        "--shell=none",
        "--style",
        "none",
    ]
    for case in selected:
        argv += ["--command-name", case.key, shlex.join(case.argv)]
    proc = run_long(argv, env)
    if proc.returncode != 0:
        raise BenchError(f"hyperfine failed (exit {proc.returncode}): {last_line(proc.stderr)}")
    try:
        results = json.loads(export.read_text())["results"]
        timings = {str(r["command"]): timing([float(t) for t in r["times"]]) for r in results}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BenchError(f"cannot read hyperfine's export {export}: {e!r}") from None
    missing = [c.key for c in selected if c.key not in timings]
    if missing:
        raise BenchError(f"hyperfine's export lacks {', '.join(missing)}")
    return timings


def run_long(argv: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(argv), env=dict(env), stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
    except OSError as e:
        raise BenchError(f"{argv[0]}: {e}") from None


def timing(times_s: Sequence[float]) -> Timing:
    if not times_s:
        raise BenchError("hyperfine recorded no runs")
    ms = [t * 1000.0 for t in times_s]
    return Timing(
        median_ms=statistics.median(ms),
        mean_ms=statistics.fmean(ms),
        stddev_ms=statistics.stdev(ms) if len(ms) > 1 else 0.0,
        min_ms=min(ms),
        max_ms=max(ms),
    )


def peak_rss_mib(case: Case, env: Mapping[str, str], scratch: Path) -> float:
    """The largest maximum resident set size (GNU time %M, KiB) over RSS_RUNS runs, in MiB."""
    out = scratch / f"rss-{case.key}.txt"
    peak_kib = 0
    for _ in range(RSS_RUNS):
        proc = run([GNU_TIME, "-f", "%M", "-o", str(out), *case.argv], env)
        if proc.returncode != 0:
            raise BenchError(
                f"{GNU_TIME} {case.label} failed (exit {proc.returncode}): {last_line(proc.stderr)}"
            )
        try:
            peak_kib = max(peak_kib, int(out.read_text().split()[-1]))
        except (OSError, ValueError, IndexError):
            raise BenchError(f"{GNU_TIME} gave no %M figure for {case.label}") from None
    return peak_kib / 1024.0


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def import_profile(
    bindir: Path, warm: Case, env: Mapping[str, str], stored: str
) -> list[ImportRecord]:
    """`python -X importtime` of the warm command; it must still be answered from the cache."""
    argv = [str(bindir / "python"), "-X", "importtime", *warm.argv]
    proc = run(argv, env)
    if proc.returncode != 0 or proc.stdout != stored:
        raise BenchError(
            f"warm run under -X importtime was not a cache hit (exit {proc.returncode}): "
            f"{last_line(proc.stderr)}"
        )
    records: list[ImportRecord] = []
    for line in proc.stderr.splitlines():
        m = _IMPORTTIME.match(line)
        if m:
            records.append(
                ImportRecord(
                    name=m.group(4),
                    depth=len(m.group(3)) // 2,
                    self_us=int(m.group(1)),
                    cumulative_us=int(m.group(2)),
                )
            )
    if not records:
        raise BenchError("python -X importtime printed no import records")
    return records


def loaded(records: Sequence[ImportRecord], package: str) -> list[str]:
    return [r.name for r in records if r.name == package or r.name.startswith(package + ".")]


# --- report ------------------------------------------------------------------------------------


def evaluate(
    timings: Mapping[str, Timing], rss: Mapping[str, float], forbidden: Sequence[str]
) -> tuple[dict[str, float], list[Target]]:
    warm = timings["warm"].median_ms
    cold = timings["cold"].median_ms
    get_token = timings["get-token"].median_ms
    bare = timings["bare"].median_ms
    ratios = {
        "get-token / warm": get_token / warm,
        "get-token / cold": get_token / cold,
        "warm / bare": warm / bare,
    }
    targets = [
        Target(
            f"warm >= {WARM_SPEEDUP_MIN:g}x faster than aws eks get-token",
            f"{ratios['get-token / warm']:.1f}x",
            ratios["get-token / warm"] >= WARM_SPEEDUP_MIN,
        ),
        Target(
            f"warm <= {WARM_OVER_BARE_MAX:g}x the bare interpreter",
            f"{ratios['warm / bare']:.2f}x",
            ratios["warm / bare"] <= WARM_OVER_BARE_MAX,
        ),
        Target(
            f"cold >= {COLD_SPEEDUP_MIN:g}x faster than aws eks get-token",
            f"{ratios['get-token / cold']:.1f}x",
            ratios["get-token / cold"] >= COLD_SPEEDUP_MIN,
        ),
        Target(
            f"warm peak RSS <= {WARM_RSS_MAX_MIB:g} MiB",
            f"{rss['warm']:.1f} MiB",
            rss["warm"] <= WARM_RSS_MAX_MIB,
        ),
        Target(
            f"cache hit loads none of {', '.join(FORBIDDEN_ON_HIT)}",
            "loaded: " + ", ".join(forbidden) if forbidden else "none loaded",
            not forbidden,
        ),
    ]
    return ratios, targets


def print_table(
    selected: Sequence[Case],
    timings: Mapping[str, Timing],
    rss: Mapping[str, float],
    ratios: Mapping[str, float],
) -> None:
    header = (
        f"{'row':<10} {'command':<36} {'median ms':>10} {'mean +- sd ms':>16} "
        f"{'min ms':>8} {'peak RSS MiB':>13}"
    )
    print(header)
    print("-" * len(header))
    for case in selected:
        t = timings[case.key]
        mean = f"{t.mean_ms:.1f} +- {t.stddev_ms:.1f}"
        peak = f"{rss[case.key]:.1f}" if case.key in rss else "-"
        print(
            f"{case.key:<10} {case.label:<36} {t.median_ms:>10.1f} {mean:>16} "
            f"{t.min_ms:>8.1f} {peak:>13}"
        )
    print("-" * len(header))
    for name, value in ratios.items():
        print(f"{'ratio':<10} {name + ' (medians)':<36} {value:>9.2f}x")


def print_targets(targets: Sequence[Target]) -> None:
    print("targets:")
    for t in targets:
        print(f"  {'met ' if t.met else 'MISS'}  {t.description:<62} {t.value}")


def print_imports(records: Sequence[ImportRecord], forbidden: Sequence[str]) -> None:
    total_ms = sum(r.self_us for r in records) / 1000.0
    print("import profile of the warm path (python -X importtime .../eks-tf-auth exec ..., 1 run):")
    print(f"  modules imported: {len(records)} (sum of self times {total_ms:.1f} ms)")
    print(f"  top {TOP_IMPORTS} by cumulative time:")
    print(f"    {'cumulative ms':>13} {'self ms':>8}  module")
    top = sorted(records, key=lambda r: r.cumulative_us, reverse=True)[:TOP_IMPORTS]
    for r in top:
        print(f"    {r.cumulative_us / 1000:>13.2f} {r.self_us / 1000:>8.2f}  {r.name}")
    ours = [r.name for r in records if r.name == "eks_tf_auth" or r.name.startswith("eks_tf_auth.")]
    print(f"  eks_tf_auth modules loaded: {', '.join(ours) or '(none)'}")
    for package in FORBIDDEN_ON_HIT:
        names = loaded(records, package)
        verdict = f"LOADED ({', '.join(names)})" if names else "not loaded"
        print(f"  {'ok  ' if not names else 'FAIL'}  {package}: {verdict}")
    if forbidden:
        print(f"  FAIL: the cache hit loaded {', '.join(forbidden)}")
    else:
        print(f"  ok: none of {', '.join(FORBIDDEN_ON_HIT)} loaded on a cache hit")


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def fail(message: str) -> NoReturn:
    print(f"exec_bench: {message}", file=sys.stderr)
    raise SystemExit(2)


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


# --- main --------------------------------------------------------------------------------------


def bench(runs: int, hyperfine_exe: str, bindir: Path) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="eks-tf-auth-bench-") as tmp:
        home = Path(tmp)
        env = isolated_env(os.environ, home, bindir)
        selected = cases(bindir)
        by_key = {c.key: c for c in selected}

        progress("filling the token cache and checking the warm run is a hit")
        stored = fill_cache(by_key["warm"], env)
        records = import_profile(bindir, by_key["warm"], env, stored)
        forbidden = [p for p in FORBIDDEN_ON_HIT if loaded(records, p)]

        progress(f"hyperfine: {len(selected)} commands x ({WARMUP} warm-up + {runs} runs)")
        timings = hyperfine(hyperfine_exe, selected, runs, env, home / "hyperfine.json")
        if exec_output(by_key["warm"], env) != stored:
            raise BenchError("the cached token was no longer served after the timed runs")

        progress(f"peak RSS: {RSS_RUNS} runs each under {GNU_TIME} -f %M")
        rss = {c.key: peak_rss_mib(c, env, home) for c in selected if c.rss}

    ratios, targets = evaluate(timings, rss, forbidden)
    hyperfine_version = last_line(run_long([hyperfine_exe, "--version"], os.environ).stdout)
    print(
        f"eks-tf-auth exec benchmark, {time.strftime('%Y-%m-%d')}: {hyperfine_version} "
        f"--shell=none, {WARMUP} warm-up + {runs} runs per command; "
        f"peak RSS = max of {RSS_RUNS} runs"
    )
    print(
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, venv {bindir.parent}; "
        "bytecode from a private PYTHONPYCACHEPREFIX"
    )
    print()
    print_table(selected, timings, rss, ratios)
    print()
    print_targets(targets)
    print()
    print_imports(records, forbidden)
    print()
    missed = [t for t in targets if not t.met]
    enforce = os.environ.get("BENCH_ENFORCE") == "1"
    summary = f"{len(targets) - len(missed)}/{len(targets)} targets met"
    print(f"{summary}; whole run {time.monotonic() - started:.1f} s", end="")
    if missed and enforce:
        print(" (BENCH_ENFORCE=1: exit 1)")
        return 1
    print(" (set BENCH_ENFORCE=1 to fail on a miss)" if missed else "")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    hyperfine_exe = require_tools()
    bindir = venv_bin()
    try:
        return bench(args.runs, hyperfine_exe, bindir)
    except BenchError as e:
        fail(f"measurement failed: {e}")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
