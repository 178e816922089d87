from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from eks_tf_auth.commands import _options

ATLANTIS_ENV = ("SHOWFILE", "PLANFILE")


class _LintCommand(click.Command):
    """Accepts `--fix=MODE` as well as `--fix` (which never takes the next argument, so that
    pre-commit's `lint --fix FILE...` works)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        split: list[str] = []
        for arg in args:
            if arg.startswith("--fix="):
                split += ["--fix", "--fix-mode", arg.split("=", 1)[1]]
            else:
                split.append(arg)
        return super().parse_args(ctx, split)


@click.command(
    "lint", cls=_LintCommand, short_help="Flag plan-time EKS tokens in configs and plans."
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(_options.LINT_FORMATS), default="text", show_default=True
)
@click.option("--select", multiple=True, metavar="ID", help="Run only these rules; repeatable.")
@click.option("--ignore", multiple=True, metavar="ID", help="Skip these rules; repeatable.")
@click.option(
    "--atlantis",
    is_flag=True,
    help="Atlantis policy-check mode: read $SHOWFILE/$PLANFILE, print the failure count, exit 0.",
)
@click.option(
    "--fail-on",
    type=click.Choice(_options.FAIL_ON),
    help="Exit 1 on findings this severe or worse (default: the settings' fail-on, else warning).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Rewrite what the rules can fix (ETA001 providers to exec blocks, ...); list the rest "
    "with reasons on stderr.",
)
@click.option(
    "--fix-mode",
    type=click.Choice(_options.FIX_MODES),
    default=_options.FIX_MODES[0],
    show_default=True,
    help="--fix=ephemeral: switch to ephemeral aws_eks_cluster_auth instead.",
)
@click.option("--diff", is_flag=True, help="With --fix: print the changes instead of writing them.")
@click.option("--explain", metavar="ID", help="Print a rule's documentation.")
def lint_command(
    paths: tuple[Path, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    atlantis: bool,
    fail_on: str | None,
    fix: bool,
    fix_mode: str,
    diff: bool,
    explain: str | None,
) -> int:
    """Flag aws_eks_cluster_auth tokens in Terraform files, directories and saved plans.

    A file given by name is linted with the rest of its module directory, and only its own
    findings are reported (pre-commit passes the staged files). A path may be `-` (standard
    input) or a pipe such as /dev/stdin: what comes through is recognised by its content. Exit
    codes: 0 no findings at or above --fail-on, 1 findings (with --fix: findings left), 2 usage
    or input error (unreadable files are reported and the rest is still linted). Suppress a
    finding with `# eks-tf-auth:ignore ETA001 reason` on its line or the line above.
    """
    from eks_tf_auth.errors import InputError
    from eks_tf_auth.lint import engine
    from eks_tf_auth.lint.formats import FORMATS
    from eks_tf_auth.lint.rules import BY_ID

    if explain is not None:
        rule = BY_ID.get(explain.upper())
        if rule is None:
            raise InputError(f"unknown rule {explain!r}", hint=f"rules are {', '.join(BY_ID)}")
        click.echo(f"# {rule.id} {rule.name} ({rule.severity.value})\n\n{rule.doc.strip()}")
        return 0
    if atlantis:
        fmt = "atlantis"
        paths = paths or tuple(Path(os.environ[v]) for v in ATLANTIS_ENV if os.environ.get(v))
        if not paths:
            raise InputError("--atlantis needs $SHOWFILE or $PLANFILE (or paths)")
    selection = engine.merge(engine.load_config(Path.cwd()), select, ignore, fail_on)
    targets = paths or (Path("."),)
    if fix:
        from eks_tf_auth.lint import fix as fixer

        fixes = fixer.fix(targets, mode=fix_mode, selection=selection)
        for unfixed in fixes.unfixed:
            click.echo(str(unfixed), err=True)
        if diff:
            click.echo("".join(c.diff for c in fixes.changes), nl=False)
            return max(1 if fixes.changes else 0, fixes.exit_code)
        fixer.write(fixes.changes)
        click.echo(
            f"fixed {len(fixes.fixed)} finding(s) in {len(fixes.changes)} file(s); "
            f"{len(fixes.unfixed)} left",
            err=True,
        )
    reads_stdin = any(str(p) == "-" for p in targets)
    stdin = getattr(sys.stdin, "buffer", None) if reads_stdin else None  # None: fd 0 closed
    report = engine.run(targets, selection, stdin=stdin)
    click.echo(FORMATS[fmt](report), nl=False)
    return 0 if fmt == "atlantis" else report.exit_code
