"""## What it does
Flags an exec block that runs `aws eks get-token` without `--output json`.

## Why is this bad?
The AWS CLI prints in the user's configured output format. AWS CLI v1 prints the credential as
text where a profile or `AWS_DEFAULT_OUTPUT` says `text` (or `table`), and the provider cannot
parse it and fails; v2 prints JSON for this command whatever the setting, but an exec block does
not choose the CLI it runs.

## Example
    exec {
      command = "aws"
      args    = ["eks", "get-token", "--cluster-name", var.cluster_name]
    }

Use instead: add `"--output", "json"` to the arguments (`eks-tf-auth lint --fix` does), or run
`eks-tf-auth exec`, which always prints JSON. It is a warning: `--fail-on error` (or
`fail-on = "error"` in the `[lint]` settings) lets a gate fail on errors only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from eks_tf_auth.lint.connections import Where, connections, exec_settings
from eks_tf_auth.lint.edits import Edit, FixContext, Op, Unfixable
from eks_tf_auth.lint.hcl import Attribute
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity
from eks_tf_auth.lint.syntax import CODE, COMMENT, classify, closing

ID = "ETA007"
_AWS = re.compile(r'"(?:[^"]*/)?aws(?:\.exe)?"')
_JSON_OUTPUT = re.compile(r'"--output"\s*,\s*"json"|"--output=json"')
JSON_OUTPUT = '"--output", "json"'
_GET_TOKEN = '"get-token"'


def check(project: Project) -> Iterator[Finding]:
    for conn in connections(project):
        for where, block in exec_settings(conn):
            if _args_without_json(block.attributes) is not None:
                yield Finding(
                    where.path,
                    where.line,
                    where.column,
                    ID,
                    f"{conn.name}: aws eks get-token without --output json breaks where the "
                    "AWS output format is text or table",
                    RULE.severity,
                )


def _args_without_json(attributes: Mapping[str, Attribute]) -> Attribute | None:
    command, args = attributes.get("command"), attributes.get("args")
    if command is None or args is None or not _AWS.fullmatch(command.expr.strip()):
        return None
    if _GET_TOKEN not in args.expr or _JSON_OUTPUT.search(args.expr):
        return None
    return args


def fix(ctx: FixContext, finding: Finding) -> list[Edit]:
    at = Where(finding.path, finding.line, finding.column)
    for conn in connections(ctx.project):
        for where, block in exec_settings(conn):
            args = _args_without_json(block.attributes)
            if where == at and args is not None and "!" not in conn.module:
                return [_append(block.path, args)]
    raise Unfixable("inside a saved plan: fix the configuration and plan again")


def _append(path: str, args: Attribute) -> Edit:
    """`"--output", "json"` right after the last element of the innermost list that holds
    "get-token" (args itself, or a list in `concat(...)`), and after its trailing comma if it
    has one: the lines around it stay as they are."""
    expr, kinds = args.expr, classify(args.expr)
    found = [
        end
        for i, c in enumerate(expr)
        if c == "[" and kinds[i] == CODE
        for end in [closing(expr, i, kinds)]
        if end < len(expr) and _GET_TOKEN in expr[i:end]
    ]
    if not found:
        raise Unfixable('"get-token" is not in a list written out: add --output json by hand')
    last = found[-1] - 1  # the innermost list's last element (or trailing comma)
    while expr[last].isspace() or kinds[last] == COMMENT:
        last -= 1
    at = args.expr_start + last + 1
    if expr[last] == "," and kinds[last] == CODE:
        return Edit(path, at, at, Op.REPLACE, f" {JSON_OUTPUT},")
    return Edit(path, at, at, Op.REPLACE, f", {JSON_OUTPUT}")


RULE = Rule(ID, "get-token-output", Severity.WARNING, check, __doc__ or "", fix)
