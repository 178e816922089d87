"""What the render and kubeconfig-merge tests share: a cluster's endpoint, CA and role, the
kubeconfig golden cases, running `main([...])` for its stdout, and checking a golden file in
tests/assets/render/ (EKS_TF_AUTH_REGENERATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from eks_tf_auth import cli

GOLDEN = Path(__file__).resolve().parent.parent / "assets" / "render"
REGENERATE = os.environ.get("EKS_TF_AUTH_REGENERATE_GOLDEN") == "1"
CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
ENDPOINT = "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com"
ROLE = "arn:aws:iam::123456789012:role/deploy"

KUBECONFIG_CASES: dict[str, list[str]] = {
    "kubeconfig-v1": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--endpoint",
        ENDPOINT,
        "--ca-data",
        CA,
    ],
    "kubeconfig-v1beta1-role-profile": [
        "--cluster-name",
        "prod",
        "--region",
        "eu-west-1",
        "--endpoint",
        ENDPOINT,
        "--ca-data",
        CA,
        "--api-version",
        "client.authentication.k8s.io/v1beta1",
        "--role-arn",
        ROLE,
        "--profile",
        "ci",
    ],
}


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; run with EKS_TF_AUTH_REGENERATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from its golden file"


def assert_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad input: exit 2, nothing on stdout, one error line (and a hint) on stderr."""
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("eks-tf-auth: error: ")
    assert len(captured.err.splitlines()) <= 2
