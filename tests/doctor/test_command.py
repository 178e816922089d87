"""`eks-tf-auth doctor` through cli.main: exit codes (0 nothing failed, 1 a check failed, 2 usage or
input error), the two formats on stdout, the inputs handed to the core."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eks_tf_auth import cli, doctor
from eks_tf_auth.commands import doctor as command
from eks_tf_auth.doctor import formats
from eks_tf_auth.doctor.facts import Failed
from eks_tf_auth.identity import ClusterRequest
from tests.doctor.synthetic import healthy, report


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """doctor.diagnose replaced: the inputs it was given, and a healthy report (or a failing one
    for cluster 'broken')."""
    seen: list[Any] = []

    def diagnose(inputs: doctor.Inputs, environ: Any, **kwargs: Any) -> Any:
        seen.append(inputs)
        broken = inputs.request is not None and inputs.request.cluster_name == "broken"
        return report(healthy(whoami=Failed("401", None, "401")) if broken else healthy())

    monkeypatch.setattr(doctor, "diagnose", diagnose)
    return seen


def test_a_healthy_cluster_exits_0(asked: list[Any], capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "doctor",
        "--cluster-name",
        "prod",
        "--region",
        "us-west-2",
        "--role-arn",
        "arn:aws:iam::123456789012:role/ci",
    ]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out.startswith("eks-tf-auth doctor: cluster prod in us-west-2\n")
    assert asked[0].request == ClusterRequest(
        cluster_name="prod", region="us-west-2", role_arn="arn:aws:iam::123456789012:role/ci"
    )


def test_a_failure_exits_1_and_json_is_the_schemas(
    asked: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "doctor",
        "--cluster-name",
        "broken",
        "--output",
        "json",
        "--logs",
        "--service-account",
        "apps/app",
        "--aws-auth",
        "f.yaml",
        "--kubeconfig",
        "k",
        "--context",
        "c",
    ]
    assert cli.main(argv) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == formats.SCHEMA_ID and doc["status"] == "fail"
    inputs = asked[0]
    assert (
        inputs.logs,
        inputs.service_account,
        inputs.aws_auth_file,
        inputs.kubeconfig,
        inputs.context,
    ) == (
        True,
        ("apps", "app"),
        "f.yaml",
        "k",
        "c",
    )


def test_a_kubeconfig_alone(asked: list[Any]) -> None:
    assert cli.main(["doctor"]) == 0
    assert asked[0].request is None and asked[0].kubeconfig is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["doctor", "--region", "us-west-2"], "the identity flags go with --cluster-name"),
        (["doctor", "--service-account", "apps"], "give NAMESPACE/NAME"),
        (["doctor", "--service-account", "Apps/x"], "give NAMESPACE/NAME"),
        (["doctor", "--service-account", "a/" + "b" * 400], "give NAMESPACE/NAME"),
        (["doctor", "--output", "yaml"], "'yaml' is not one of"),
        (["doctor", "--cluster-name", "bad name"], "cluster name"),
        (["doctor", "--cluster-name", "prod", "--external-id", "xyz"], "needs a role ARN"),
    ],
)
def test_bad_input_exits_2(
    argv: list[str], message: str, asked: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert asked == []


def test_the_output_choices_are_the_formats() -> None:
    assert tuple(formats.FORMATS) == command.OUTPUTS
