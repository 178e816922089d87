"""Benchmark `eks-tf-auth aws-auth upsert` against `kubectl patch`, and 20 writers at once.

A benchmark, not a test: it prints figures and whether each target is met, and exits 0 unless a
measurement could not be made at all (exit 2, one line on stderr). With BENCH_ENFORCE=1 a missed
target exits 1. Run it with the venv's python (`make bench`): the commands measured are that
venv's console script (the directory of sys.executable) and kubectl (1.33 where the image has it).

Everything runs offline: the EKS API double from tests/support (HTTPS on 127.0.0.1, its own CA,
EKS tokens verified, ConfigMaps with resourceVersions) holds an aws-auth ConfigMap, and one
kubeconfig reaches it with a user whose exec plugin is `eks-tf-auth exec` (its token cached, so
both tools pay the same cache hit per process). See bench/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import json
import os
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(ROOT))  # tests.support.eks_double, from the repository root

import yaml  # noqa: E402
from harness import (  # noqa: E402
    ACCESS_KEY_ID,
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
    hyperfine_version,
    isolated_env,
    last_line,
    print_targets,
    progress,
    require_hyperfine,
    run,
    runs_at_least,
    timing,
    venv_bin,
)

from tests.support.eks_double import EksApiDouble, Identity  # noqa: E402

CLUSTER = "bench"
CALLER = "arn:aws:iam::123456789012:user/bench"
NS = "kube-system"
NAME = "aws-auth"
ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench-deploy"
SEED_ROLES = f"""\
# EKS managed node groups: never remove
- rolearn: arn:aws:iam::{ACCOUNT}:role/node
  username: system:node:{{{{EC2PrivateDNSName}}}}
  groups:
    - system:bootstrappers
    - system:nodes
"""
ENTRY = f"- rolearn: {ROLE}\n  username: deploy\n  groups:\n    - deployers\n"
SEED = {
    "mapRoles": SEED_ROLES,
    "mapUsers": f"- userarn: arn:aws:iam::{ACCOUNT}:user/alice\n  username: alice\n"
    "  userid: AIDAEXAMPLEALICE00001\n  groups: [devs]\n",
    "mapAccounts": '- "444455556666"\n',
    "platform.note": "owned by the platform team\n",
}
WARMUP = 3
DEFAULT_RUNS = 20
MIN_RUNS = 5
DEFAULT_WRITERS = 20
DEFAULT_ROUNDS = 3
COMMAND_TIMEOUT = 120.0
PROG = "aws_auth_bench"

# Targets: no writer's update is lost, every writer succeeds within its retry budget, and the
# read-modify-write upsert (a cold Python process: click, lightkube, the YAML model, a GET and a
# PUT with the resourceVersion, a backup) costs at most 3x kubectl's blind merge patch.
UPSERT_OVER_PATCH_MAX = 3.0


@dataclass(frozen=True)
class Round:
    wall_s: float
    exits: tuple[int, ...]
    gets: int
    writes: int
    conflicts: int  # 409s the double answered
    reported: int  # conflicts the writers say they met and retried
    lost: int  # writers whose mapping is not in the final ConfigMap
    kept: bool  # mapAccounts, mapUsers (its userid), the other key and the node role intact


# --- setup -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark eks-tf-auth aws-auth upsert against kubectl patch, and many "
        "writers at once, against a local EKS API double."
    )
    parser.add_argument(
        "--runs",
        type=runs_at_least(MIN_RUNS),
        default=DEFAULT_RUNS,
        help=f"timed runs per command (>= {MIN_RUNS}, default {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--writers",
        type=runs_at_least(2),
        default=DEFAULT_WRITERS,
        help=f"concurrent writers in the contention run (default {DEFAULT_WRITERS})",
    )
    parser.add_argument(
        "--rounds",
        type=runs_at_least(1),
        default=DEFAULT_ROUNDS,
        help=f"contention rounds (default {DEFAULT_ROUNDS})",
    )
    return parser.parse_args(list(argv))


def find_kubectl() -> str:
    """kubectl 1.33 beside the kubectl on PATH (the image's dispatcher), else that kubectl."""
    found = shutil.which("kubectl")
    if found is None:
        fail(PROG, "kubectl not found on PATH")
    versioned = Path(os.path.realpath(found)).parent / "kubectl.1.33"
    return str(versioned) if os.access(versioned, os.X_OK) else found


def bench_env(home: Path, bindir: Path) -> dict[str, str]:
    """harness.isolated_env plus static example credentials, a private token cache, backups and
    kubectl's caches in the temporary directory, and KUBECONFIG."""
    return isolated_env(
        os.environ,
        home,
        bindir,
        example_aws(
            home,
            EKS_TF_AUTH_CACHE_DIR=str(home / "token-cache"),
            EKS_TF_AUTH_BACKUP_DIR=str(home / "backups"),
            KUBECONFIG=str(home / "kubeconfig"),
        ),
    )


def write_kubeconfig(path: Path, double: EksApiDouble, bindir: Path) -> None:
    """The double as the cluster (its real CA), a user whose exec plugin is eks-tf-auth exec."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": str(bindir / "eks-tf-auth"),
            "args": ["exec", "--cluster-name", CLUSTER, "--region", REGION],
            "interactiveMode": "Never",
        }
    }
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": CLUSTER,
                "cluster": {"server": double.url, "certificate-authority-data": double.ca_data},
            }
        ],
        "users": [{"name": "bench", "user": user}],
        "contexts": [
            {"name": CLUSTER, "context": {"cluster": CLUSTER, "user": "bench", "namespace": NS}}
        ],
        "current-context": CLUSTER,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))  # as kubectl and the AWS CLI write


def upsert_argv(bindir: Path, arn: str, username: str) -> tuple[str, ...]:
    return (
        str(bindir / "eks-tf-auth"),
        "aws-auth",
        "upsert",
        "--maproles",
        "--rolearn",
        arn,
        "--username",
        username,
        "--groups",
        "deployers",
    )


def patch_argv(kubectl: str, roles: str) -> tuple[str, ...]:
    patch = json.dumps({"data": {"mapRoles": roles}})
    return (kubectl, "patch", "cm", NAME, "-n", NS, "--type", "merge", "-p", patch)


def cases(bindir: Path, kubectl: str) -> list[Case]:
    exec_argv = (str(bindir / "eks-tf-auth"), "exec", "--cluster-name", CLUSTER, "--region", REGION)
    return [
        Case("upsert", "eks-tf-auth aws-auth upsert", upsert_argv(bindir, ROLE, "deploy")),
        Case("patch", "kubectl patch --type merge", patch_argv(kubectl, SEED_ROLES + ENTRY)),
        Case("exec", "eks-tf-auth exec (cache hit)", exec_argv),
    ]


# --- measurements ------------------------------------------------------------------------------


def checked(argv: Sequence[str], env: Mapping[str, str], what: str) -> str:
    proc = run(argv, env, COMMAND_TIMEOUT)
    if proc.returncode != 0:
        raise BenchError(f"{what} failed (exit {proc.returncode}): {last_line(proc.stderr)}")
    return proc.stdout


def roles_of(double: EksApiDouble) -> str:
    found = double.configmap(NS, NAME)
    data = found.get("data") if found else None
    return str(data.get("mapRoles", "")) if isinstance(data, dict) else ""


def prepare(
    double: EksApiDouble, selected: Sequence[Case], env: Mapping[str, str], kubectl: str
) -> None:
    """Fill the token cache and kubectl's discovery cache; check that each timed command does
    what it should once: upsert adds the mapping with one GET and one PUT, the patch writes it,
    the reset (hyperfine's --prepare) takes it away again."""
    by_key = {c.key: c for c in selected}
    checked([kubectl, "get", "cm", NAME, "-n", NS, "-o", "name"], env, "kubectl get")
    if not any(Path(env["EKS_TF_AUTH_CACHE_DIR"]).glob("*.token")):
        raise BenchError("the exec plugin cached no token: every run would sign one")
    before = len(double.requests)
    checked(by_key["upsert"].argv, env, "aws-auth upsert")
    done = [(r.method, r.status) for r in double.requests[before:]]
    if done != [("GET", 200), ("PUT", 200)] or ROLE not in roles_of(double):
        raise BenchError(f"aws-auth upsert did not read once and write once: {done}")
    checked(reset_argv(kubectl), env, "the reset (kubectl patch)")
    if roles_of(double) != SEED_ROLES:
        raise BenchError("the reset did not restore mapRoles")
    checked(by_key["patch"].argv, env, "kubectl patch")
    if roles_of(double) != SEED_ROLES + ENTRY:
        raise BenchError("kubectl patch did not write the mapping")


def reset_argv(kubectl: str) -> tuple[str, ...]:
    return patch_argv(kubectl, SEED_ROLES)


def hyperfine_prepared(
    exe: str,
    selected: Sequence[Case],
    prepares: Mapping[str, Sequence[str]],
    *,
    runs: int,
    env: Mapping[str, str],
    export: Path,
) -> dict[str, Timing]:
    """harness.hyperfine with a --prepare command per case (untimed, before every run)."""
    argv = [exe, "--warmup", str(WARMUP), "--runs", str(runs), "--export-json", str(export)]
    argv += ["--shell=none", "--style", "none"]
    for case in selected:
        argv += ["--prepare", shlex.join(prepares[case.key])]
    for case in selected:
        argv += ["--command-name", case.key, shlex.join(case.argv)]
    proc = run(argv, env, timeout=None)
    if proc.returncode != 0:
        raise BenchError(f"hyperfine failed (exit {proc.returncode}): {last_line(proc.stderr)}")
    try:
        results = {str(r["command"]): r for r in json.loads(export.read_text())["results"]}
        timings = {}
        for case in selected:
            codes = {int(c) for c in results[case.key]["exit_codes"]}
            if codes != {0}:
                raise BenchError(f"{case.label} exited {sorted(codes)} under hyperfine")
            timings[case.key] = timing([float(t) for t in results[case.key]["times"]])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BenchError(f"cannot read hyperfine's export {export}: {e!r}") from None
    return timings


def contention(
    double: EksApiDouble, bindir: Path, env: Mapping[str, str], writers: int, number: int
) -> Round:
    """`writers` upserts of different ARNs started at once from separate processes."""
    double.put_configmap(NS, NAME, SEED)
    before = len(double.requests)
    arns = [f"arn:aws:iam::{ACCOUNT}:role/writer-{number}-{n:02d}" for n in range(writers)]
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            upsert_argv(bindir, arn, f"writer-{n}"),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, arn in enumerate(arns)
    ]
    try:
        errs = [proc.communicate(timeout=600)[1] for proc in procs]
    except subprocess.TimeoutExpired:
        for proc in procs:
            proc.kill()
        raise BenchError("a writer of the contention run did not finish in 10 minutes") from None
    wall = time.monotonic() - started
    log = double.requests[before:]
    found = double.configmap(NS, NAME) or {}
    data = found.get("data") if isinstance(found.get("data"), dict) else {}
    assert isinstance(data, dict)
    roles = str(data.get("mapRoles", ""))
    reported = sum(int(e.split(" after ")[1].split()[0]) for e in errs if " after " in e)
    kept = roles.startswith(SEED_ROLES) and all(
        data.get(k) == v for k, v in SEED.items() if k != "mapRoles"
    )
    return Round(
        wall_s=wall,
        exits=tuple(p.returncode for p in procs),
        gets=sum(r.method == "GET" for r in log),
        writes=sum(r.method == "PUT" for r in log),
        conflicts=sum(r.method == "PUT" and r.status == 409 for r in log),
        reported=reported,
        lost=sum(f"rolearn: {arn}\n" not in roles for arn in arns),
        kept=kept,
    )


def blind_patches(double: EksApiDouble, kubectl: str, env: Mapping[str, str], writers: int) -> int:
    """For contrast: the same writers as `kubectl patch` of mapRoles (each with the seed plus its
    own entry, as a script that read first would send); how many updates were lost."""
    double.put_configmap(NS, NAME, SEED)
    arns = [f"arn:aws:iam::{ACCOUNT}:role/patcher-{n:02d}" for n in range(writers)]
    procs = [
        subprocess.Popen(
            patch_argv(kubectl, SEED_ROLES + f"- rolearn: {arn}\n  username: p\n"),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for arn in arns
    ]
    if any(p.wait(timeout=600) != 0 for p in procs):
        raise BenchError("a kubectl patch of the contrast run failed")
    roles = roles_of(double)
    return sum(f"rolearn: {arn}\n" not in roles for arn in arns)


# --- report ------------------------------------------------------------------------------------


def evaluate(
    timings: Mapping[str, Timing], rounds: Sequence[Round], writers: int
) -> tuple[float, list[Target]]:
    ratio = timings["upsert"].median_s / timings["patch"].median_s
    lost = sum(r.lost for r in rounds)
    failed = sum(code != 0 for r in rounds for code in r.exits)
    targets = [
        Target(
            f"upsert <= {UPSERT_OVER_PATCH_MAX:g}x kubectl patch (medians)",
            f"{ratio:.2f}x",
            ratio <= UPSERT_OVER_PATCH_MAX,
        ),
        Target(
            f"{writers} writers at once: lost updates = 0 (every round)",
            f"{lost} lost",
            lost == 0,
        ),
        Target(
            f"{writers} writers at once: every writer exits 0",
            f"{failed} failed",
            failed == 0,
        ),
        Target(
            "the rest of aws-auth kept (mapAccounts, userid, other keys)",
            "kept" if all(r.kept for r in rounds) else "CHANGED",
            all(r.kept for r in rounds),
        ),
    ]
    return ratio, targets


def print_timings(selected: Sequence[Case], timings: Mapping[str, Timing], ratio: float) -> None:
    header = f"{'row':<7} {'command':<32} {'median ms':>10} {'mean +- sd ms':>16} {'min ms':>8}"
    print(header)
    print("-" * len(header))
    for case in selected:
        t = timings[case.key]
        mean = f"{t.mean_s * 1000:.1f} +- {t.stddev_s * 1000:.1f}"
        print(
            f"{case.key:<7} {case.label:<32} {t.median_s * 1000:>10.1f} {mean:>16} "
            f"{t.min_s * 1000:>8.1f}"
        )
    print("-" * len(header))
    print(f"{'ratio':<7} {'upsert / patch (medians)':<32} {ratio:>9.2f}x")


def print_rounds(rounds: Sequence[Round], writers: int, patch_lost: int) -> None:
    print(f"contention: {writers} `aws-auth upsert`s of different ARNs started at once")
    header = (
        f"{'round':>5} {'wall s':>7} {'GETs':>5} {'PUTs':>5} {'409s':>5} {'retries':>8} "
        f"{'lost':>5} {'exit != 0':>10}"
    )
    print(header)
    for n, r in enumerate(rounds, 1):
        print(
            f"{n:>5} {r.wall_s:>7.2f} {r.gets:>5} {r.writes:>5} {r.conflicts:>5} "
            f"{r.reported:>8} {r.lost:>5} {sum(c != 0 for c in r.exits):>10}"
        )
    walls = [r.wall_s for r in rounds]
    print(
        f"  median wall {statistics.median(walls):.2f} s; "
        f"{sum(r.conflicts for r in rounds)} conflicts (409) in all, each retried "
        f"({sum(r.reported for r in rounds)} retries reported by the writers); "
        f"lost updates: {sum(r.lost for r in rounds)}"
    )
    print(
        f"  for contrast, {writers} `kubectl patch --type merge` of mapRoles at once: "
        f"{patch_lost} of {writers} updates lost (the last write wins)"
    )


# --- main --------------------------------------------------------------------------------------


def bench(args: argparse.Namespace, hyperfine_exe: str, bindir: Path, kubectl: str) -> int:
    started = time.monotonic()
    identities = {ACCESS_KEY_ID: Identity(CALLER, SECRET_ACCESS_KEY)}
    with (
        tempfile.TemporaryDirectory(prefix="eks-tf-auth-bench-") as tmp,
        EksApiDouble(cluster_id=CLUSTER, identities=identities) as double,
    ):
        home = Path(tmp)
        env = bench_env(home, bindir)
        write_kubeconfig(home / "kubeconfig", double, bindir)
        double.put_configmap(NS, NAME, SEED)
        selected = cases(bindir, kubectl)
        progress("filling the token and discovery caches; checking each command once")
        prepare(double, selected, env, kubectl)

        progress(f"hyperfine: {len(selected)} commands x ({WARMUP} warm-up + {args.runs} runs)")
        reset = reset_argv(kubectl)
        before = len(double.requests)
        timings = hyperfine_prepared(
            hyperfine_exe,
            selected,
            {"upsert": reset, "patch": reset, "exec": ("true",)},
            runs=args.runs,
            env=env,
            export=home / "hyperfine.json",
        )
        puts = sum(r.method == "PUT" and r.status == 200 for r in double.requests[before:])
        if puts != WARMUP + args.runs:
            raise BenchError(f"{puts} upsert writes for {WARMUP + args.runs} runs: not one each")
        rounds = []
        for number in range(1, args.rounds + 1):
            progress(f"contention round {number}/{args.rounds}: {args.writers} writers at once")
            rounds.append(contention(double, bindir, env, args.writers, number))
        progress(f"for contrast: {args.writers} kubectl patches at once")
        patch_lost = blind_patches(double, kubectl, env, args.writers)

    ratio, targets = evaluate(timings, rounds, args.writers)
    print(
        f"eks-tf-auth aws-auth benchmark, {time.strftime('%Y-%m-%d')}: "
        f"{hyperfine_version(hyperfine_exe)} --shell=none, {WARMUP} warm-up + {args.runs} runs "
        f"per command, the ConfigMap reset before each (untimed); {Path(kubectl).name}"
    )
    print(f"{host(bindir)}; the EKS API double on 127.0.0.1 (HTTPS)")
    print()
    print_timings(selected, timings, ratio)
    print()
    print_rounds(rounds, args.writers, patch_lost)
    print()
    print_targets(targets, width=62)
    print()
    return finish(targets, started)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    hyperfine_exe = require_hyperfine(PROG)
    kubectl = find_kubectl()
    bindir = venv_bin(PROG, ("eks-tf-auth",))
    return guarded(PROG, lambda: bench(args, hyperfine_exe, bindir, kubectl))


if __name__ == "__main__":
    sys.exit(main())
