"""Benchmark `eks-tf-auth exec` against `aws eks get-token` and the bare interpreter.

A benchmark, not a test: it prints figures and whether each target is met, and exits 0 unless a
measurement could not be made at all (exit 2, one line on stderr). With BENCH_ENFORCE=1 a missed
target exits 1. Run it with the venv's python (`make bench`): the commands measured are that
venv's console scripts and interpreter (the directory of sys.executable).

Everything runs offline in an isolated environment: a temporary HOME, static example credentials
from the environment and, for the profile rows, in a shared credentials file, no instance
metadata, a private cache directory, and moto's STS on 127.0.0.1 for the role rows (the AWS CLI
and eks-tf-auth both assume the role there). See bench/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import (
    ACCESS_KEY_ID,
    GNU_TIME,
    REGION,
    SECRET_ACCESS_KEY,
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
    peak_rss_mib,
    print_targets,
    progress,
    require_hyperfine,
    run,
    runs_at_least,
    venv_bin,
)

CLUSTER = "bench"
PROFILE = "bench-profile"
ROLE_ARN = "arn:aws:iam::123456789012:role/bench"
WARMUP = 3
DEFAULT_RUNS = 20
MIN_RUNS = 10
RSS_RUNS = 5
TOP_IMPORTS = 10
FORBIDDEN_ON_HIT = ("click", "botocore", "boto3", "json", "jinja2")
EXEC_PREFIX = '{"kind":"ExecCredential",'
COMMAND_TIMEOUT = 60.0
PROG = "exec_bench"

# Targets (medians): warm >= 15x faster than get-token, warm <= 1.4x bare, cold >= 3x faster
# than get-token, the same with a profile's static keys >= 4x and with a role >= 2x, warm peak
# RSS <= 25 MiB.
WARM_SPEEDUP_MIN = 15.0
WARM_OVER_BARE_MAX = 1.4
COLD_SPEEDUP_MIN = 3.0
PROFILE_SPEEDUP_MIN = 4.0
ROLE_SPEEDUP_MIN = 2.0
WARM_RSS_MAX_MIB = 25.0


@dataclass(frozen=True)
class ExecCase(Case):
    rss: bool = False  # also measure its peak RSS


@dataclass(frozen=True)
class ImportRecord:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


# --- setup -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark eks-tf-auth exec (warm and cold) against aws eks get-token."
    )
    parser.add_argument(
        "--runs",
        type=runs_at_least(MIN_RUNS),
        default=DEFAULT_RUNS,
        help=f"timed runs per command (>= {MIN_RUNS}, default {DEFAULT_RUNS})",
    )
    return parser.parse_args(list(argv))


def require_tools() -> str:
    """The hyperfine executable; exits 2 with one line on stderr if a tool is missing."""
    hyperfine = require_hyperfine(PROG)
    if not os.access(GNU_TIME, os.X_OK):
        fail(PROG, f"{GNU_TIME} (GNU time) not found (apt-get install -y time)")
    return hyperfine


def bench_env(base: Mapping[str, str], home: Path, bindir: Path, sts_url: str) -> dict[str, str]:
    """harness.isolated_env plus static example credentials (in the environment, and in a
    credentials file's profile), the region, moto's STS, and a private token cache."""
    credentials = home / "aws" / "credentials"
    credentials.parent.mkdir(parents=True, exist_ok=True)
    credentials.write_text(
        f"[{PROFILE}]\naws_access_key_id = {ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {SECRET_ACCESS_KEY}\n"
    )
    return isolated_env(
        base,
        home,
        bindir,
        example_aws(
            home,
            AWS_SHARED_CREDENTIALS_FILE=str(credentials),
            AWS_ENDPOINT_URL_STS=sts_url,
            EKS_TF_AUTH_CACHE_DIR=str(home / "eks-tf-auth-cache"),
        ),
    )


def cases(bindir: Path) -> list[ExecCase]:
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
        ExecCase("warm", "eks-tf-auth exec (cache hit)", exec_argv, rss=True),
        ExecCase("cold", "eks-tf-auth exec --no-cache", (*exec_argv, "--no-cache"), rss=True),
        ExecCase("get-token", "aws eks get-token", get_token, rss=True),
        ExecCase(
            "cold-prof",
            "eks-tf-auth exec --profile --no-cache",
            (*exec_argv, "--profile", PROFILE, "--no-cache"),
        ),
        ExecCase("token-prof", "aws eks get-token --profile", (*get_token, "--profile", PROFILE)),
        ExecCase(
            "cold-role",
            "eks-tf-auth exec --role-arn --no-cache",
            (*exec_argv, "--role-arn", ROLE_ARN, "--no-cache"),
        ),
        ExecCase(
            "token-role", "aws eks get-token --role-arn", (*get_token, "--role-arn", ROLE_ARN)
        ),
        ExecCase("bare", "python -c pass", (python, "-c", "pass"), rss=True),
        ExecCase("click", 'python -c "import click"', (python, "-c", "import click"), rss=False),
        ExecCase(
            "botocore",
            'python -c "import botocore.session"',
            (python, "-c", "import botocore.session"),
            rss=False,
        ),
    ]


@contextlib.contextmanager
def moto_sts() -> Iterator[str]:
    """moto's server on 127.0.0.1 (a free port), for AssumeRole; stopped on the way out."""
    import logging
    import socket

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


# --- measurements ------------------------------------------------------------------------------


def exec_output(case: Case, env: Mapping[str, str]) -> str:
    """Run `case` once; its stdout, which must be an ExecCredential."""
    proc = run(case.argv, env, COMMAND_TIMEOUT)
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


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


def import_profile(
    bindir: Path, warm: Case, env: Mapping[str, str], stored: str
) -> list[ImportRecord]:
    """`python -X importtime` of the warm command; it must still be answered from the cache."""
    argv = [str(bindir / "python"), "-X", "importtime", *warm.argv]
    proc = run(argv, env, COMMAND_TIMEOUT)
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
    warm = timings["warm"].median_s
    cold = timings["cold"].median_s
    get_token = timings["get-token"].median_s
    bare = timings["bare"].median_s
    ratios = {
        "get-token / warm": get_token / warm,
        "get-token / cold": get_token / cold,
        "profile: get-token / cold": timings["token-prof"].median_s / timings["cold-prof"].median_s,
        "role: get-token / cold": timings["token-role"].median_s / timings["cold-role"].median_s,
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
            f"profile's static keys: cold >= {PROFILE_SPEEDUP_MIN:g}x faster than get-token",
            f"{ratios['profile: get-token / cold']:.1f}x",
            ratios["profile: get-token / cold"] >= PROFILE_SPEEDUP_MIN,
        ),
        Target(
            f"--role-arn (moto STS): cold >= {ROLE_SPEEDUP_MIN:g}x faster than get-token",
            f"{ratios['role: get-token / cold']:.1f}x",
            ratios["role: get-token / cold"] >= ROLE_SPEEDUP_MIN,
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
        mean = f"{t.mean_s * 1000:.1f} +- {t.stddev_s * 1000:.1f}"
        peak = f"{rss[case.key]:.1f}" if case.key in rss else "-"
        print(
            f"{case.key:<10} {case.label:<36} {t.median_s * 1000:>10.1f} {mean:>16} "
            f"{t.min_s * 1000:>8.1f} {peak:>13}"
        )
    print("-" * len(header))
    for name, value in ratios.items():
        print(f"{'ratio':<10} {name + ' (medians)':<36} {value:>9.2f}x")


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


# --- main --------------------------------------------------------------------------------------


def bench(runs: int, hyperfine_exe: str, bindir: Path) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="eks-tf-auth-bench-") as tmp, moto_sts() as sts:
        home = Path(tmp)
        env = bench_env(os.environ, home, bindir, sts)
        selected = cases(bindir)
        by_key = {c.key: c for c in selected}

        progress("filling the token cache and checking the warm run is a hit")
        stored = fill_cache(by_key["warm"], env)
        records = import_profile(bindir, by_key["warm"], env, stored)
        forbidden = [p for p in FORBIDDEN_ON_HIT if loaded(records, p)]

        progress(f"hyperfine: {len(selected)} commands x ({WARMUP} warm-up + {runs} runs)")
        timings = hyperfine(
            hyperfine_exe,
            selected,
            runs=runs,
            warmup=WARMUP,
            env=env,
            export=home / "hyperfine.json",
        )
        if exec_output(by_key["warm"], env) != stored:
            raise BenchError("the cached token was no longer served after the timed runs")

        progress(f"peak RSS: {RSS_RUNS} runs each under {GNU_TIME} -f %M")
        rss = {
            c.key: peak_rss_mib(c, env, home, runs=RSS_RUNS, timeout=COMMAND_TIMEOUT)
            for c in selected
            if c.rss
        }

    ratios, targets = evaluate(timings, rss, forbidden)
    version = hyperfine_version(hyperfine_exe)
    print(
        f"eks-tf-auth exec benchmark, {time.strftime('%Y-%m-%d')}: {version} "
        f"--shell=none, {WARMUP} warm-up + {runs} runs per command; "
        f"peak RSS = max of {RSS_RUNS} runs"
    )
    print(f"{host(bindir)}; bytecode from a private PYTHONPYCACHEPREFIX")
    print()
    print_table(selected, timings, rss, ratios)
    print()
    print_targets(targets, width=62)
    print()
    print_imports(records, forbidden)
    print()
    return finish(targets, started)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    hyperfine_exe = require_tools()
    bindir = venv_bin(PROG, ("eks-tf-auth", "aws"))
    return guarded(PROG, lambda: bench(args.runs, hyperfine_exe, bindir))


if __name__ == "__main__":
    sys.exit(main())
