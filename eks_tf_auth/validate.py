"""Every user-supplied AWS identifier is checked here, before it reaches a token, a URL or a
rendered file: a value that fails is an `InputError` naming it, never a broken request.
The patterns are ASCII-only: Python's \\d and \\w would otherwise accept any script's digits."""

from __future__ import annotations

import re
from collections.abc import Mapping

from eks_tf_auth.errors import InputError

CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}", re.ASCII)
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
    """A token's x-k8s-aws-id given as a cluster id: an EKS local cluster's id on Outposts (a
    UUID), or the cluster name, as aws-iam-authenticator's -i and the cluster-inventory plugin's
    clusterId extension give it. Both fit the name pattern."""
    return _check(
        CLUSTER_NAME,
        value,
        "cluster id",
        "a cluster name (1-100 letters, digits, '-' or '_', starting alphanumeric) "
        "or an Outposts local cluster's id (a UUID)",
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


ECHO_LIMIT = 64  # characters of a bad value an error line quotes


def _check(pattern: re.Pattern[str], value: str, what: str, hint: str, *, echo: bool = True) -> str:
    if not pattern.fullmatch(value):
        raise InputError(
            f"invalid {what} {quoted(value)}" if echo else f"invalid {what}", hint=hint
        )
    return value


def quoted(value: str) -> str:
    """`value` for an error line: repr'd, and only its start when it is long."""
    if len(value) <= ECHO_LIMIT:
        return repr(value)
    return f"{value[:ECHO_LIMIT]!r}... ({len(value)} characters)"


PROFILE = re.compile(r"[\w.+=,@:/-]{1,128}", re.ASCII)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}", re.ASCII)
COMMAND = re.compile(r"[\w.+=,@:/~ -]{1,4096}", re.ASCII)
ENDPOINT = re.compile(r"https://[A-Za-z0-9.-]+(:\d{1,5})?/?", re.ASCII)
BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}", re.ASCII)


def profile(value: str) -> str:
    return _check(PROFILE, value, "profile", "letters, digits or any of . + = , @ : / - _")


def identifier(value: str, what: str) -> str:
    return _check(
        IDENTIFIER, value, what, "a name of letters, digits, '_' or '-', starting with a letter"
    )


def command(value: str) -> str:
    return _check(
        COMMAND, value, "command", "a program name or path, such as eks-tf-auth or /usr/bin/aws"
    )


def endpoint(value: str) -> str:
    return _check(
        ENDPOINT,
        value,
        "endpoint",
        "the cluster's https:// API server URL, e.g. from DescribeCluster",
    )


def ca_data(value: str) -> str:
    """Base64 of a PEM certificate, as a kubeconfig's certificate-authority-data."""
    import base64
    import binascii

    _check(BASE64, value, "CA data", "the base64 certificate-authority data of the cluster")
    try:
        text = base64.b64decode(value, validate=True)
    except binascii.Error as e:
        raise InputError("invalid CA data: not base64", hint="copy it from DescribeCluster") from e
    if b"-----BEGIN CERTIFICATE-----" not in text:
        raise InputError(
            "invalid CA data: not a PEM certificate",
            hint="give the base64 of the cluster's CA PEM (certificateAuthority.data)",
        )
    return value


IMAGE = re.compile(r"[a-z0-9]+([._/:@-][A-Za-z0-9_]+)*", re.ASCII)
PACKAGE = re.compile(r"eks-tf-auth(\[[a-z,]+\])?((==|>=|~=)[0-9][0-9a-z.+]*)?", re.ASCII)


def image(value: str) -> str:
    return _check(
        IMAGE, value, "image", "an image reference such as ghcr.io/runatlantis/atlantis:v0.35.0"
    )


def package(value: str) -> str:
    return _check(PACKAGE, value, "package", "eks-tf-auth, optionally pinned: eks-tf-auth==0.1.0")


def seconds(
    environ: Mapping[str, str], name: str, bounds: Mapping[str, tuple[float, str]]
) -> float:
    """A bound in seconds from the environment variable `name`, whose default and purpose are
    `bounds[name]`: unset or empty means the default; anything else must be 0 < s <= 3600."""
    default, what = bounds[name]
    raw = environ.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise InputError(
            f"{name} must be a number of seconds between 0 and 3600 (it bounds {what})",
            hint=f"unset it for the default, {default:g} s",
        )
    return value
