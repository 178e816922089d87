"""Errors a user can act on. Each carries a one-line message, an optional hint and an exit code."""

from __future__ import annotations

from typing import ClassVar


class Error(Exception):
    """Something the user can fix; the operation failed (exit 1)."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(Error):
    """A bad flag value, environment variable or input document (exit 2)."""

    exit_code = 2


class AwsError(Error):
    """AWS refused or could not be reached: no credentials, AccessDenied, throttling (exit 1)."""
