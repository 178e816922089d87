"""Benchmark `eks-tf-auth doctor`: the whole run, every check in play, against the doubles.

A benchmark, not a test: it prints figures and whether the target is met, and exits 0 unless a
measurement could not be made at all (exit 2, one line on stderr). With BENCH_ENFORCE=1 a missed
target exits 1. Run it with the venv's python (the exec plugin is that venv's console script).

The world is the test suite's (tests/doctor/world.py): moto on 127.0.0.1 (STS, IAM roles and OIDC
providers), botocore Stubbers (the authentication mode, the access entry, CloudWatch Logs), the
HTTPS EKS API double (tokens verified, aws-auth, SelfSubjectReview, a service account), and a
kubeconfig found for the cluster whose exec block runs `eks-tf-auth exec`. Each timed run is the
healthy setup's `doctor.diagnose`: 17 checks, every one of them passing, the exec plugin a real
process. Setting the world up (moto's start, the roles) is timed apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import BenchError, Target, finish, guarded, print_targets, progress, runs_at_least

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the suite's world: tests/doctor/world.py, tests/support/

PROG = "doctor_bench"
DEFAULT_RUNS = 5
MAX_RUN_S = 3.0  # the target: the whole run against the doubles under 3 seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=runs_at_least(1), default=DEFAULT_RUNS)
    args = parser.parse_args(argv)
    return guarded(PROG, lambda: bench(args.runs))


def bench(runs: int) -> int:
    import logging

    from moto.server import ThreadedMotoServer

    from eks_tf_auth.doctor import formats
    from eks_tf_auth.doctor.model import Status
    from tests.doctor.world import CLUSTER, World, healthy
    from tests.support.eks_double import EksApiDouble
    from tests.support.tools import free_port

    started = time.monotonic()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request lines
    progress("starting moto and the EKS API double")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        with (
            tempfile.TemporaryDirectory(prefix="doctor-bench-") as tmp,
            EksApiDouble(cluster_id=CLUSTER, identities={}) as double,
        ):
            setup_started = time.monotonic()
            world = World(f"http://{host}:{port}", Path(tmp), double)
            run = healthy(world)
            setup_s = time.monotonic() - setup_started
            times = []
            report = None
            for n in range(runs + 1):  # the first run warms botocore's model caches
                progress(f"run {n}/{runs}" if n else "warm-up run")
                t = time.monotonic()
                report = run()
                if n:
                    times.append(time.monotonic() - t)
            assert report is not None
    finally:
        server.stop()
    if report.status is not Status.PASS:
        raise BenchError(f"the healthy setup did not pass:\n{formats.text(report)}")
    median = statistics.median(times)
    print(f"eks-tf-auth doctor against the doubles: {len(report.outcomes)} checks, all passing")
    print(f"  world set up (roles, OIDC provider, kubeconfig): {setup_s:.2f} s")
    print(
        f"  whole run, {runs} runs: median {median:.2f} s, min {min(times):.2f} s, "
        f"max {max(times):.2f} s"
    )
    targets = [
        Target(
            f"whole run < {MAX_RUN_S:g} s (max of {runs})",
            f"{max(times):.2f} s",
            max(times) < MAX_RUN_S,
        )
    ]
    print_targets(targets, width=max(len(t.description) for t in targets))
    return finish(targets, started)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
