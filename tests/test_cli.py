from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping

import click
import pytest

from eks_tf_auth import __version__, cli, entry
from eks_tf_auth.errors import AwsError, InputError
from tests.support.aws import AwsEnv
from tests.support.tools import BIN_DIR

HEAVY = ("botocore", "boto3", "jinja2", "hcl2", "lark", "yaml")


def all_commands() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(cmd: click.Command, path: list[str]) -> None:
        paths.append(path)
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])

    paths.append([])
    for name, sub in cli.commands().items():
        walk(sub, [name])
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "root")
def test_help_for_every_command(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: eks-tf-auth {' '.join(path)}".rstrip())


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_exec_help_lists_the_aws_cli_flags(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["exec", "--help"])
    out = capsys.readouterr().out
    for flag in (
        "--cluster-name",
        "--cluster-id",
        "--region",
        "--profile",
        "--role-arn",
        "--role",
        "--external-id",
        "--session-name",
        "--api-version",
        "--no-cache",
    ):
        assert flag in out


@pytest.mark.parametrize("argv", [[], ["cache"]])
def test_group_without_a_command_shows_its_help(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Usage: eks-tf-auth {' '.join(argv)}".rstrip() + " [OPTIONS] COMMAND")
    assert "\nCommands:\n" in err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["nope"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "eks-tf-auth: error: No such command 'nope'.",
        "hint: see 'eks-tf-auth --help'",
    ]


@pytest.mark.parametrize(
    ("exc", "code", "first_line"),
    [
        (InputError("bad thing", hint="do this"), 2, "eks-tf-auth: error: bad thing"),
        (AwsError("aws said no"), 1, "eks-tf-auth: error: aws said no"),
        (
            RuntimeError("boom"),
            3,
            "eks-tf-auth: internal error: RuntimeError; set EKS_TF_AUTH_DEBUG=1",
        ),
        (KeyboardInterrupt(), 130, "Aborted."),
        (click.FileError("x.tf", hint="gone"), 1, "eks-tf-auth: error: Could not open file 'x.tf'"),
    ],
)
def test_exit_codes(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    exc: BaseException,
    code: int,
    first_line: str,
) -> None:
    def fail(*_: object, **__: object) -> None:
        raise exc

    monkeypatch.setattr("eks_tf_auth.exec.answer.issue", fail)
    assert cli.main(["exec", "--cluster-name", "a"]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines()[0].startswith(first_line)
    assert "Traceback" not in captured.err


def test_debug_switch_shows_the_traceback(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("eks_tf_auth.exec.answer.issue", fail)
    monkeypatch.setenv("EKS_TF_AUTH_DEBUG", "1")
    assert cli.main(["exec", "--cluster-name", "a"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_debug_switch_shows_where_a_user_error_came_from(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EKS_TF_AUTH_DEBUG", "1")
    assert cli.main(["exec", "--cluster-name", "bad name"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eks-tf-auth: error: invalid cluster name 'bad name'\nhint: ")
    assert "Traceback" in err and "cluster_name" in err


def uninstrumented(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without coverage's subprocess hook, which would import modules of its own."""
    return {k: v for k, v in env.items() if not k.startswith("COVERAGE_")}


def probe(code: str, env: Mapping[str, str] = os.environ) -> str:
    """What `python -c code` prints, run without coverage's instrumentation."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env=uninstrumented(env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def loaded_modules(code: str, env: Mapping[str, str] = os.environ) -> set[str]:
    out = probe(f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))", env)
    return set(json.loads(out.splitlines()[-1]))


def test_cli_import_is_light() -> None:
    mods = loaded_modules("import eks_tf_auth.cli")
    assert not {m for m in mods if m.split(".")[0] in HEAVY}


@pytest.mark.real
def test_cache_hit_loads_neither_click_nor_botocore_nor_json(aws_env: AwsEnv) -> None:
    assert aws_env.run("exec", "--cluster-name", "demo").returncode == 0
    code = (
        "import sys\n"
        "sys.argv = ['eks-tf-auth', 'exec', '--cluster-name', 'demo']\n"
        "import io, contextlib\n"
        "buf = io.StringIO()\n"
        "from eks_tf_auth.entry import main\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    assert main() == 0\n"
        'assert buf.getvalue().startswith(\'{"kind":"ExecCredential"\')\n'
        "mods = sorted(sys.modules)\n"
    )
    # Record the modules before the probe's own `import json`.
    mods = set(probe(code + "print('\\n'.join(mods))", aws_env.env).split())
    assert not {m for m in mods if m.split(".")[0] in (*HEAVY, "click", "json")}
    # The probe's own io/contextlib load typing and collections; the console script must not.
    script = str(BIN_DIR / "eks-tf-auth")
    timed = subprocess.run(
        [sys.executable, "-X", "importtime", script, "exec", "--cluster-name", "demo"],
        env=uninstrumented(aws_env.env),
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[1].strip() for line in timed.stderr.splitlines() if "|" in line}
    assert "eks_tf_auth.cache" in imported
    assert not imported & {"typing", "collections", "enum", "json", "click"}
    assert {m for m in mods if m.startswith("eks_tf_auth")} == {
        "eks_tf_auth",
        "eks_tf_auth.entry",
        "eks_tf_auth.cache",
        "eks_tf_auth.paths",
    }


@pytest.mark.real
def test_a_miss_raises_the_collectors_first_threshold_a_hit_leaves_it(aws_env: AwsEnv) -> None:
    assert aws_env.run("exec", "--cluster-name", "demo").returncode == 0
    code = (
        "import gc, io, contextlib\n"
        "from eks_tf_auth.entry import main\n"
        "default = gc.get_threshold()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['exec', '--cluster-name', 'demo']) == 0\n"
        "hit = gc.get_threshold()\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['exec', '--cluster-name', 'demo', '--no-cache']) == 0\n"
        "print(default[0], hit[0], gc.get_threshold()[0])\n"
    )
    default, hit, miss = probe(code, aws_env.env).split()
    assert hit == default != miss == str(entry.GC_THRESHOLD)


def test_cold_run_with_static_keys_never_imports_botocore(aws_env: AwsEnv) -> None:
    code = (
        "import sys, io, contextlib\n"
        "from eks_tf_auth.entry import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    assert main(['exec', '--cluster-name', 'demo', '--no-cache']) == 0\n"
    )
    mods = loaded_modules(code, env=aws_env.env)
    assert "click" in mods
    assert not {m for m in mods if m.split(".")[0] in HEAVY}
