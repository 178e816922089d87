"""The root click group and `main`, which maps every outcome to an `ExitCode`: 0 ok (no findings)
· 1 the operation failed (or findings) · 2 usage or input error · 3 internal error · 130
interrupted."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import cast

import click

from eks_tf_auth import __version__
from eks_tf_auth.commands import _stdout
from eks_tf_auth.errors import Error, ExitCode
from eks_tf_auth.exec import shapes

DEBUG_ENV = "EKS_TF_AUTH_DEBUG"
PROG = "eks-tf-auth"
# Each command by name: its module is imported when it runs (or when --help lists it), so that a
# cold `exec` or a `lint` does not also import render, aws-auth, access entries and doctor.
COMMANDS = {
    "access-entries": ("eks_tf_auth.commands.access_entries", "access_entries_group"),
    "aws-auth": ("eks_tf_auth.commands.aws_auth", "aws_auth_group"),
    "cache": ("eks_tf_auth.commands.cache", "cache_group"),
    "doctor": ("eks_tf_auth.commands.doctor", "doctor_command"),
    "exec": ("eks_tf_auth.commands.exec", "exec_command"),
    "external": ("eks_tf_auth.commands.external", "external_command"),
    "lint": ("eks_tf_auth.commands.lint", "lint_command"),
    "render": ("eks_tf_auth.commands.render", "render_group"),
}


def _redact(text: str) -> str:
    """Whatever reaches stderr passes the token module's filter: tokens and signatures never do."""
    from eks_tf_auth.token import redact

    return redact(text)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _redact(super().format(record))


class _Commands(click.Group):
    """The root group, whose commands are imported by name (COMMANDS)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        import importlib

        command: click.Command = getattr(importlib.import_module(found[0]), found[1])
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=PROG)
def cli() -> None:
    """EKS tokens for Terraform, Atlantis and kubectl.

    Exit codes: 0 ok, 1 failed, 2 usage or input error, 3 internal error, 130 interrupted.
    """


def commands() -> dict[str, click.Command]:
    """Every command, by name (each module imported)."""
    ctx = click.Context(cli, info_name=PROG)
    return {name: cast(click.Command, cli.get_command(ctx, name)) for name in COMMANDS}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    one_line = args[:1] == ["external"]  # Terraform shows the first stderr line
    debug = os.environ.get(DEBUG_ENV, "") not in ("", "0", "false")
    _configure_logging(debug)
    try:
        # Another plugin's arguments run as `exec`; the cache key stays `args` (see exec/shapes.py).
        run = shapes.translate(args, os.environ) or args
        with _stdout.guarded():
            result = cli.main(args=run, prog_name=PROG, standalone_mode=False, obj=args)
    except click.exceptions.NoArgsIsHelpError as e:  # a group run without a command
        click.echo(e.ctx.get_help() if e.ctx else e.format_message(), err=True)
        return ExitCode.USAGE
    except click.UsageError as e:
        command = e.ctx.command_path if e.ctx else PROG
        _report(e.format_message(), f"see '{command} --help'", one_line=one_line)
        return ExitCode.USAGE
    except click.ClickException as e:
        _report(e.format_message(), None, one_line=one_line)
        return ExitCode.FAILED
    except (click.Abort, KeyboardInterrupt):
        click.echo("Aborted.", err=True)
        return ExitCode.INTERRUPTED
    except Error as e:
        _report(e.message, e.hint, one_line=one_line)
        if debug:
            logging.getLogger(__name__).debug("traceback", exc_info=True)
        return int(e.exit_code)
    except Exception as e:
        if debug:
            logging.getLogger(__name__).exception("internal error")
        click.echo(
            f"{PROG}: internal error: {type(e).__name__}; set {DEBUG_ENV}=1 for a traceback",
            err=True,
        )
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def _report(message: str, hint: str | None, *, one_line: bool = False) -> None:
    text = f"{PROG}: error: {_redact(' '.join(message.split()))}"
    if hint and one_line:
        click.echo(f"{text} (hint: {_redact(hint)})", err=True)
        return
    click.echo(text, err=True)
    if hint:
        click.echo(f"hint: {_redact(hint)}", err=True)


def _configure_logging(debug: bool) -> None:
    root = logging.getLogger("eks_tf_auth")
    root.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(f"{PROG}: %(levelname)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    root.propagate = False
