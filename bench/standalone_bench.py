"""Benchmark the standalone executable (`make standalone`) against the Python package.

A benchmark, not a test: it prints figures and whether each target is met, and exits 0 unless a
measurement could not be made (exit 2, one line on stderr); BENCH_ENFORCE=1 makes a missed target
exit 1. Run it with the project venv's python (`make bench` builds the executable first).

Figures: the executable's folder size beside what the AWS CLI v1 and eks-tf-auth take installed
with pip (their distributions and every one they require, as installed in this venv; the
interpreter not counted), the build time (from the provenance file), and in one hyperfine run
the cache hit and the cold start with environment keys of both forms, in the same isolated
environment as exec_bench.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path

from harness import (
    REGION,
    BenchError,
    Case,
    Target,
    Timing,
    example_aws,
    fail,
    finish,
    guarded,
    host,
    hyperfine,
    hyperfine_version,
    isolated_env,
    last_line,
    print_targets,
    progress,
    require_hyperfine,
    run,
    runs_at_least,
    venv_bin,
)

PROG = "standalone_bench"
ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "dist" / "standalone" / "eks-tf-auth"
EXECUTABLE = FOLDER / "eks-tf-auth"
PROVENANCE = ROOT / "dist" / "standalone" / "eks-tf-auth.provenance.json"
CLUSTER = "bench"
WARMUP = 3
DEFAULT_RUNS = 20
MIN_RUNS = 10
COMMAND_TIMEOUT = 60.0
EXEC_PREFIX = '{"kind":"ExecCredential",'

# Targets (issue 18): the folder <= 35 MB; a cache hit <= 2x the package's; a cold start with
# environment keys no slower than the package's (medians, the same hyperfine run).
SIZE_MAX_MB = 35.0
WARM_RATIO_MAX = 2.0
COLD_RATIO_MAX = 1.0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the standalone executable against the Python package."
    )
    parser.add_argument(
        "--runs",
        type=runs_at_least(MIN_RUNS),
        default=DEFAULT_RUNS,
        help=f"timed runs per command (>= {MIN_RUNS}, default {DEFAULT_RUNS})",
    )
    return parser.parse_args(list(argv))


# --- sizes -------------------------------------------------------------------------------------


def folder_bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", requirement.strip(), maxsplit=1)[0]


def closure(roots: Iterable[str], extras: Mapping[str, Sequence[str]]) -> set[str]:
    """The installed distributions `roots` need (with `extras` of a root), recursively."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [(r, tuple(extras.get(r, ()))) for r in roots]
    while todo:
        name, wanted = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency this venv does not have
        seen.add(key)
        for text in dist.requires or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((req.name, tuple(req.extras)))
    return seen


def installed_bytes(names: Iterable[str]) -> int:
    """The files these distributions installed, as they are on disk (no __pycache__)."""
    total = 0
    for name in names:
        dist = metadata.distribution(name)
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if "__pycache__" not in path.parts and path.is_file():
                total += path.stat().st_size
    return total


# --- timings -----------------------------------------------------------------------------------


def cases(bindir: Path) -> list[Case]:
    args = ("exec", "--cluster-name", CLUSTER, "--region", REGION)
    package = (str(bindir / "eks-tf-auth"), *args)
    frozen = (str(EXECUTABLE), *args)
    return [
        Case("warm-exe", "standalone exec (cache hit)", frozen),
        Case("warm-pkg", "package exec (cache hit)", package),
        Case("cold-exe", "standalone exec --no-cache", (*frozen, "--no-cache")),
        Case("cold-pkg", "package exec --no-cache", (*package, "--no-cache")),
    ]


def check_answers(selected: Sequence[Case], env: Mapping[str, str]) -> None:
    """Each command answers; the warm ones twice the same (the second from the cache)."""
    for case in selected:
        outputs = []
        for _ in range(2):
            proc = run(case.argv, env, COMMAND_TIMEOUT)
            if proc.returncode != 0 or not proc.stdout.startswith(EXEC_PREFIX):
                raise BenchError(f"{case.label} failed: {last_line(proc.stderr or proc.stdout)}")
            outputs.append(proc.stdout)
        if case.key.startswith("warm") and outputs[0] != outputs[1]:
            raise BenchError(f"{case.label}: the second run was not a cache hit")


def bench(runs: int, hyperfine_exe: str, bindir: Path) -> int:
    started = time.monotonic()
    if not os.access(EXECUTABLE, os.X_OK):
        raise BenchError(f"{EXECUTABLE} not found: run make standalone")
    try:
        build_seconds = float(json.loads(PROVENANCE.read_text())["build_seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        build_seconds = float("nan")
    size_mb = folder_bytes(FOLDER) / 1e6
    awscli_mb = installed_bytes(closure(["awscli"], {})) / 1e6
    package_mb = installed_bytes(closure(["eks-tf-auth"], {"eks-tf-auth": ["kube"]})) / 1e6

    with tempfile.TemporaryDirectory(prefix="eks-tf-auth-standalone-bench-") as tmp:
        home = Path(tmp)
        env = isolated_env(
            os.environ,
            home,
            bindir,
            example_aws(home, EKS_TF_AUTH_CACHE_DIR=str(home / "cache")),
        )
        selected = cases(bindir)
        progress("checking each command answers, and the warm ones from the cache")
        check_answers(selected, env)
        progress(f"hyperfine: {len(selected)} commands x ({WARMUP} warm-up + {runs} runs)")
        timings = hyperfine(
            hyperfine_exe,
            selected,
            runs=runs,
            warmup=WARMUP,
            env=env,
            export=home / "hyperfine.json",
        )

    warm = timings["warm-exe"].median_s / timings["warm-pkg"].median_s
    cold = timings["cold-exe"].median_s / timings["cold-pkg"].median_s
    print(
        f"eks-tf-auth standalone benchmark, {time.strftime('%Y-%m-%d')}: "
        f"{hyperfine_version(hyperfine_exe)} --shell=none, {WARMUP} warm-up + {runs} runs"
    )
    print(host(bindir))
    print()
    print(f"{'installed size':<58} {'MB':>8}")
    print(f"  {'standalone folder (' + str(FOLDER.relative_to(ROOT)) + ')':<56} {size_mb:>8.1f}")
    print(f"  {'pip install eks-tf-auth[kube] (+ its requirements)':<56} {package_mb:>8.1f}")
    print(f"  {'pip install awscli (AWS CLI v1, + its requirements)':<56} {awscli_mb:>8.1f}")
    print("  (the pip figures leave out the Python interpreter they need)")
    print(f"build time (make standalone, from the provenance file): {build_seconds:.0f} s")
    print()
    print_times(selected, timings)
    print(f"  ratio cache hit, standalone / package (medians)  {warm:.2f}x")
    print(f"  ratio cold start, standalone / package (medians) {cold:.2f}x")
    print()
    targets = [
        Target(f"size <= {SIZE_MAX_MB:g} MB", f"{size_mb:.1f} MB", size_mb <= SIZE_MAX_MB),
        Target(
            f"cache hit <= {WARM_RATIO_MAX:g}x the package's",
            f"{warm:.2f}x",
            warm <= WARM_RATIO_MAX,
        ),
        Target(
            "cold start (environment keys) <= the package's",
            f"{cold:.2f}x",
            cold <= COLD_RATIO_MAX,
        ),
    ]
    print_targets(targets, width=50)
    print()
    return finish(targets, started)


def print_times(selected: Sequence[Case], timings: Mapping[str, Timing]) -> None:
    header = f"  {'row':<9} {'command':<32} {'median ms':>10} {'mean +- sd ms':>16} {'min ms':>8}"
    print(header)
    for case in selected:
        t = timings[case.key]
        mean = f"{t.mean_s * 1000:.1f} +- {t.stddev_s * 1000:.1f}"
        print(
            f"  {case.key:<9} {case.label:<32} {t.median_s * 1000:>10.1f} {mean:>16} "
            f"{t.min_s * 1000:>8.1f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    hyperfine_exe = require_hyperfine(PROG)
    bindir = venv_bin(PROG, ("eks-tf-auth",))
    if not os.access(EXECUTABLE, os.X_OK):
        fail(PROG, f"{EXECUTABLE} not found: run make standalone")
    return guarded(PROG, lambda: bench(args.runs, hyperfine_exe, bindir))


if __name__ == "__main__":
    sys.exit(main())
