"""The standalone executable where no Python is: `env -i` with a PATH that holds no interpreter,
and strace showing that no Python program is ever started, by it or by kubectl running it, and
that it starts once (the project's launcher, not PyInstaller's bootloader, which executes itself
a second time)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from eks_tf_auth import __version__
from tests.support.aws import TEST_ACCESS_KEY, TEST_ARN, TEST_SECRET
from tests.support.eks_double import EksApiDouble, Identity
from tests.support.standalone import bare_env, pythons, traced, under_strace
from tests.support.tools import BIN_DIR, kubectl_binary
from tests.support.verifier import verify_token

pytestmark = pytest.mark.real

ROOT = Path(__file__).resolve().parent.parent.parent
V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"


def keys(tmp: Path, **values: str) -> dict[str, str]:
    """bare_env with the test's static keys, a region and a private token cache."""
    return bare_env(
        tmp,
        AWS_ACCESS_KEY_ID=TEST_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=TEST_SECRET,
        AWS_REGION="us-west-2",
        AWS_EC2_METADATA_DISABLED="true",
        EKS_TF_AUTH_CACHE_DIR=str(tmp / "cache"),
        **values,
    )


def test_version_is_the_packages(executable: Path, tmp_path: Path) -> None:
    proc, started = traced([str(executable), "--version"], bare_env(tmp_path), tmp_path / "t")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"eks-tf-auth, version {__version__}\n"
    python_form = subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout == python_form.stdout
    assert started[1:] == [str(executable)]  # env, then the executable, once


@pytest.mark.parametrize("library_path", [None, "/opt/lib"])
def test_programs_it_starts_get_the_environment_it_was_given(
    executable: Path, tmp_path: Path, library_path: str | None
) -> None:
    """No LD_LIBRARY_PATH of the bundle's (its OpenSSL in a foreign program) nor anything else
    added: here a credential_process writes down what it got."""
    seen = tmp_path / "seen"
    script = tmp_path / "credentials.sh"
    script.write_text(
        f"#!/bin/sh\n/usr/bin/env > {seen}\n"
        'echo \'{"Version": 1, "AccessKeyId": "AKIAX", "SecretAccessKey": "s"}\'\n'
    )
    script.chmod(0o755)
    (tmp_path / "config").write_text(f"[profile p]\ncredential_process = {script}\n")
    extra = {"LD_LIBRARY_PATH": library_path} if library_path else {}
    env = bare_env(tmp_path, AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_PROFILE="p", **extra)
    argv = [str(executable), "exec", "--cluster-name", "prod", "--region", "us-west-2"]
    proc, started = traced(argv, env, tmp_path / "t")
    assert proc.returncode == 0, proc.stderr
    child = dict(line.split("=", 1) for line in seen.read_text().splitlines())
    assert child.get("LD_LIBRARY_PATH") == library_path
    shell_own = {"PWD", "OLDPWD", "SHLVL", "_"}  # what sh sets for the programs it runs
    assert {k: v for k, v in child.items() if k not in shell_own} == env
    assert started[1:] == [str(executable), str(script), "/usr/bin/env"]


@pytest.mark.parametrize("cached", [False, True])
def test_exec_prints_a_token_the_verifier_accepts(
    executable: Path, tmp_path: Path, cached: bool
) -> None:
    env = keys(tmp_path)
    argv = [str(executable), "exec", "--cluster-name", "prod", "--region", "us-west-2"]
    first, _ = traced(argv, env, tmp_path / "t1")
    assert first.returncode == 0, first.stderr
    proc, started = traced(argv, env, tmp_path / "t2") if cached else (first, _)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == first.stdout  # the second run is a cache hit
    answer = json.loads(proc.stdout)
    assert answer["kind"] == "ExecCredential" and answer["apiVersion"] == V1BETA1
    verified = verify_token(
        answer["status"]["token"],
        cluster_id="prod",
        secrets={TEST_ACCESS_KEY: TEST_SECRET},
        now=datetime.now(timezone.utc),
    )
    assert verified.access_key_id == TEST_ACCESS_KEY
    assert not pythons(started), started


@pytest.mark.parametrize(
    "argv",
    [
        ["eks", "get-token", "--cluster-name", "prod", "--output", "json"],  # the AWS CLI's
        ["token", "-i", "prod"],  # aws-iam-authenticator's
        ["--cluster-name", "prod"],  # eks-auth's
    ],
)
def test_exec_takes_the_other_plugins_arguments(
    executable: Path, tmp_path: Path, argv: list[str]
) -> None:
    proc, started = traced([str(executable), *argv], keys(tmp_path), tmp_path / "t")
    assert proc.returncode == 0, proc.stderr
    token = json.loads(proc.stdout)["status"]["token"]
    verify_token(
        token,
        cluster_id="prod",
        secrets={TEST_ACCESS_KEY: TEST_SECRET},
        now=datetime.now(timezone.utc),
    )
    assert not pythons(started), started


@pytest.fixture
def double() -> Iterator[EksApiDouble]:
    with EksApiDouble(
        cluster_id="demo", identities={TEST_ACCESS_KEY: Identity(TEST_ARN, TEST_SECRET)}
    ) as d:
        yield d


@pytest.mark.parametrize("api_version", [V1, V1BETA1])
def test_kubectl_authenticates_through_it(
    executable: Path, tmp_path: Path, double: EksApiDouble, api_version: str
) -> None:
    exec_block: dict[str, object] = {
        "apiVersion": api_version,
        "command": str(executable),
        "args": ["exec", "--cluster-name", "demo"],
    }
    if api_version == V1:
        exec_block["interactiveMode"] = "Never"
    config = tmp_path / "kubeconfig"
    config.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "eks",
                        "cluster": {
                            "server": double.url,
                            "certificate-authority-data": double.ca_data,
                        },
                    }
                ],
                "users": [{"name": "eks", "user": {"exec": exec_block}}],
                "contexts": [{"name": "eks", "context": {"cluster": "eks", "user": "eks"}}],
                "current-context": "eks",
            }
        )
    )
    kubectl = kubectl_binary("1.33")
    argv = [kubectl, "--kubeconfig", str(config), "get", "namespaces", "-o", "name"]
    proc, started = traced(argv, keys(tmp_path), tmp_path / "t")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["namespace/default", "namespace/kube-system"]
    assert {r.username for r in double.requests} == {TEST_ARN}
    assert str(executable) in started, started  # kubectl ran the executable itself
    assert not pythons(started), started


def test_lint_finds_the_legacy_examples_eta001(executable: Path, tmp_path: Path) -> None:
    legacy = ROOT / "examples" / "legacy-token"
    argv = [str(executable), "lint", str(legacy)]
    proc, started = traced(argv, bare_env(tmp_path), tmp_path / "t")
    assert proc.returncode == 1, proc.stderr
    assert re.search(r"^\S*legacy-token/main\.tf:\d+:\d+: ETA001 ", proc.stdout, re.M), proc.stdout
    assert not pythons(started), started


def test_external_answers_a_query_against_moto(
    executable: Path, tmp_path: Path, moto_url: str, moto_cluster: str
) -> None:
    env = keys(tmp_path, AWS_ENDPOINT_URL_EKS=moto_url, AWS_ENDPOINT_URL_STS=moto_url)
    query = json.dumps({"cluster_name": moto_cluster})
    proc, started = traced([str(executable), "external"], env, tmp_path / "t", stdin=query)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["cluster_name"] == moto_cluster and result["region"] == "us-west-2"
    assert result["endpoint"].startswith("https://")
    assert result["certificate_authority_data"]
    assert json.loads(result["exec_args"]) == [
        "exec",
        "--cluster-name",
        moto_cluster,
        "--region",
        "us-west-2",
    ]
    assert not pythons(started), started


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "atlantis", "--cluster-name", "prod", "--region", "eu-west-1"],
        ["lint", "--explain", "ETA001"],
        ["cache", "clear"],
        ["doctor", "--help"],
        ["aws-auth", "--help"],
        ["access-entries", "--help"],
    ],
)
def test_other_commands_answer_as_the_package_does(
    executable: Path, tmp_path: Path, argv: list[str]
) -> None:
    env = keys(tmp_path)
    proc, started = traced([str(executable), *argv], env, tmp_path / "t")
    python_form = subprocess.run(
        [str(BIN_DIR / "eks-tf-auth"), *argv],
        env={**env, "PATH": str(BIN_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (python_form.returncode, python_form.stdout)
    assert proc.returncode == 0, proc.stderr
    assert not pythons(started), started


@pytest.mark.parametrize("relative", [False, True])
def test_the_dockerfiles_layout_runs_through_its_link(
    executable: Path, tmp_path: Path, relative: bool
) -> None:
    """What examples/atlantis/Dockerfile.standalone does: the folder copied elsewhere, run
    through a symbolic link on PATH (the launcher finds _internal through /proc/self/exe, the
    dynamic loader libpython through $ORIGIN; both see through links), and through a relative
    link to that link."""
    copied = tmp_path / "opt" / "eks-tf-auth"
    shutil.copytree(executable.parent, copied, symlinks=True)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    link = bindir / "eks-tf-auth"
    link.symlink_to(copied / "eks-tf-auth")
    if relative:
        (tmp_path / "home" / "bin").mkdir(parents=True)
        link = tmp_path / "home" / "bin" / "kube-login"
        link.symlink_to("../../bin/eks-tf-auth")
    env = keys(tmp_path)
    proc, started = traced([str(link), "exec", "--cluster-name", "prod"], env, tmp_path / "t")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"]["token"].startswith("k8s-aws-v1.")
    assert started[1:] == [str(link)]


def test_python_variables_in_the_environment_change_nothing(
    executable: Path, tmp_path: Path
) -> None:
    """The interpreter is isolated: PYTHONPATH with an eks_tf_auth and a sitecustomize of its
    own, PYTHONHOME, PYTHONSTARTUP, PYTHONINSPECT and PYTHONWARNINGS are not read."""
    decoy = tmp_path / "decoy"
    (decoy / "eks_tf_auth").mkdir(parents=True)
    marker = tmp_path / "ran"
    for name in ("eks_tf_auth/__init__.py", "eks_tf_auth/entry.py", "sitecustomize.py"):
        (decoy / name).write_text(f"open({str(marker)!r}, 'w').write({name!r})\n")
    (tmp_path / "startup.py").write_text(f"open({str(marker)!r}, 'w').write('startup')\n")
    argv = [str(executable), "exec", "--cluster-name", "prod"]
    plain, _ = traced(argv, keys(tmp_path), tmp_path / "t1")
    python = {
        "PYTHONPATH": str(decoy),
        "PYTHONHOME": str(decoy),
        "PYTHONSTARTUP": str(tmp_path / "startup.py"),
        "PYTHONINSPECT": "1",
        "PYTHONWARNINGS": "error",
    }
    proc, started = traced(argv, keys(tmp_path, **python), tmp_path / "t2")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, plain.stdout, "")
    assert not marker.exists()
    assert started[1:] == [str(executable)]


@pytest.mark.parametrize("cached", [False, True])
def test_exec_leaves_the_zip_of_cold_modules_closed(
    executable: Path, tmp_path: Path, cached: bool
) -> None:
    """A cache hit and a cold `exec` (storing the token, or not) import only modules that are
    .pyc files in _internal: library.zip's directory is never read (launcher.py)."""
    env = keys(tmp_path)
    argv = [str(executable), "exec", "--cluster-name", "prod", "--region", "us-west-2"]
    runs = [argv, argv] if cached else [argv, [*argv, "--no-cache"]]
    for i, run in enumerate(runs):
        trace = tmp_path / f"t{i}"
        proc = under_strace(run, env, trace, calls="openat")
        assert proc.returncode == 0, proc.stderr
    opened = trace.read_text()
    assert "_internal/eks_tf_auth/entry.pyc" in opened
    assert "library.zip" not in opened


def test_a_cold_module_loads_from_the_zip(executable: Path, tmp_path: Path) -> None:
    """aws-auth imports ruamel.yaml, a namespace package, from library.zip."""
    manifest = tmp_path / "aws-auth.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n")
    argv = [str(executable), "aws-auth", "upsert", "-f", str(manifest), "--maproles"]
    argv += ["--rolearn", "arn:aws:iam::123456789012:role/deploy", "--username", "deploy"]
    argv += ["--groups", "deployers"]
    trace = tmp_path / "t"
    proc = under_strace(argv, bare_env(tmp_path), trace, calls="openat")
    assert proc.returncode == 0, proc.stderr
    assert "arn:aws:iam::123456789012:role/deploy" in manifest.read_text()
    assert "_internal/library.zip" in trace.read_text()


def test_an_interrupt_ends_it_as_it_ends_the_package(executable: Path, tmp_path: Path) -> None:
    """SIGINT while `external` waits for its query: KeyboardInterrupt, as in any Python process
    (the launcher installs Python's signal handlers), so the same 130 and the same message."""
    outcomes = []
    for program in (executable, BIN_DIR / "eks-tf-auth"):
        proc = subprocess.Popen(
            [str(program), "external"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=bare_env(tmp_path),
        )
        time.sleep(1.5)  # past the interpreter's start, reading stdin
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        outcomes.append((proc.returncode, out, err))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 130
