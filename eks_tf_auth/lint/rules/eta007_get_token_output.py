"""## What it does
Flags an exec block that runs `aws eks get-token` without `--output json`.

## Why is this bad?
The AWS CLI prints in the user's configured output format: where a profile or `AWS_DEFAULT_OUTPUT`
says `text` or `table`, the provider cannot parse the credential and fails.

## Example
    exec {
      command = "aws"
      args    = ["eks", "get-token", "--cluster-name", var.cluster_name]
    }

Use instead: add `"--output", "json"` to the arguments, or run `eks-tf-auth exec`, which always
prints JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from eks_tf_auth.lint.connections import connections, exec_settings
from eks_tf_auth.lint.model import Project
from eks_tf_auth.lint.rule import Finding, Rule, Severity

ID = "ETA007"
_AWS = re.compile(r'"(?:[^"]*/)?aws(?:\.exe)?"')
_JSON_OUTPUT = re.compile(r'"--output"\s*,\s*"json"|"--output=json"')


def check(project: Project) -> Iterator[Finding]:
    for conn in connections(project):
        for where, values in exec_settings(conn):
            command, args = values.get("command", ""), values.get("args", "")
            runs_get_token = _AWS.fullmatch(command.strip()) and '"get-token"' in args
            if runs_get_token and not _JSON_OUTPUT.search(args):
                yield Finding(
                    where.path,
                    where.line,
                    where.column,
                    ID,
                    f"{conn.name}: aws eks get-token without --output json breaks where the "
                    "AWS output format is text or table",
                    RULE.severity,
                )


RULE = Rule(ID, "get-token-output", Severity.WARNING, check, __doc__ or "")
