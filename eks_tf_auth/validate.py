"""Every user-supplied AWS identifier is checked here, before it reaches a token, a URL or a
rendered file: a value that fails is an `InputError` naming it, never a broken request.
The patterns are ASCII-only: Python's \\d and \\w would otherwise accept any script's digits."""

from __future__ import annotations

import re

from eks_tf_auth.errors import InputError

CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", re.ASCII)
CLUSTER_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII)
REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}", re.ASCII)
ROLE_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}", re.ASCII
)
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def cluster_name(value: str) -> str:
    return _check(
        CLUSTER_NAME,
        value,
        "cluster name",
        "EKS cluster names are 1-100 letters, digits, '-' or '_', starting alphanumeric",
    )


def cluster_id(value: str) -> str:
    return _check(
        CLUSTER_ID,
        value,
        "cluster id",
        "an Outposts local cluster id is a UUID; for other clusters use --cluster-name",
    )


def region(value: str) -> str:
    return _check(
        REGION, value, "region", "use a region code such as us-west-2, eu-central-1 or cn-north-1"
    )


def role_arn(value: str) -> str:
    return _check(ROLE_ARN, value, "role ARN", "use the form arn:aws:iam::123456789012:role/NAME")


def external_id(value: str) -> str:
    # Often treated as a shared secret, so the error does not repeat it.
    return _check(
        EXTERNAL_ID,
        value,
        "--external-id",
        "2-1224 letters, digits or any of + = , . @ : / - _",
        echo=False,
    )


def session_name(value: str) -> str:
    return _check(
        SESSION_NAME, value, "--session-name", "2-64 letters, digits or any of + = , . @ - _"
    )


def _check(pattern: re.Pattern[str], value: str, what: str, hint: str, *, echo: bool = True) -> str:
    if not pattern.fullmatch(value):
        raise InputError(f"invalid {what} {value!r}" if echo else f"invalid {what}", hint=hint)
    return value
