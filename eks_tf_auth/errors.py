"""Errors a user can act on, and the exit codes of every command.

Each error carries a one-line message, an optional hint and its exit code; anything else that
escapes a command is a bug (`ExitCode.INTERNAL`).
"""

from __future__ import annotations

import enum
from typing import ClassVar


class ExitCode(enum.IntEnum):
    """The process exit codes, as the README lists them."""

    OK = 0  # done; lint: no findings
    FAILED = 1  # the operation failed; lint: findings
    USAGE = 2  # a bad flag, input file or environment value
    INTERNAL = 3  # a bug in eks-tf-auth: never reachable from input
    INTERRUPTED = 130  # Ctrl-C


class Error(Exception):
    """Something the user can fix; the operation failed."""

    exit_code: ClassVar[ExitCode] = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(Error):
    """A bad flag value, environment variable or input document."""

    exit_code = ExitCode.USAGE


class AwsError(Error):
    """AWS refused or could not be reached: no credentials, AccessDenied, throttling."""


class KubeError(Error):
    """The Kubernetes API refused a request or could not be reached: 401, 403, 404, 422, 5xx."""
