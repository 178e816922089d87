from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest

from eks_tf_auth.errors import InputError
from eks_tf_auth.exec import protocol as ec
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.token import Token

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"


def target(*, info: ec.ExecInfo, **request: str | None) -> ClusterRequest:
    return ec.complete(ClusterRequest(**request), info)


def info(**spec_cluster: object) -> ec.ExecInfo:
    doc = {"kind": "ExecCredential", "apiVersion": V1, "spec": {"cluster": spec_cluster}}
    return ec.parse_exec_info(json.dumps(doc))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, V1BETA1),
        ("", V1BETA1),
        (json.dumps({"apiVersion": V1, "spec": {"interactive": False}}), V1),
        (json.dumps({"apiVersion": V1BETA1}), V1BETA1),
    ],
)
def test_api_version_follows_exec_info(raw: str | None, expected: str) -> None:
    assert ec.choose_api_version(None, ec.parse_exec_info(raw)) == expected


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"string"'])
def test_malformed_exec_info_is_noted_and_defaults(
    raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        parsed = ec.parse_exec_info(raw)
    assert ec.choose_api_version(None, parsed) == V1BETA1
    assert "KUBERNETES_EXEC_INFO" in caplog.text


def test_override_wins() -> None:
    assert ec.choose_api_version(V1, ec.parse_exec_info(json.dumps({"apiVersion": V1BETA1}))) == V1


def test_v1alpha1_is_an_error_with_the_fix() -> None:
    with pytest.raises(InputError, match=r"removed in Kubernetes 1\.24") as e:
        ec.choose_api_version(None, ec.parse_exec_info('{"apiVersion": "' + ec.API_V1ALPHA1 + '"}'))
    assert e.value.hint and V1BETA1 in e.value.hint


def test_unknown_version_is_an_error() -> None:
    with pytest.raises(InputError, match="unsupported ExecCredential apiVersion"):
        ec.check_api_version("client.authentication.k8s.io/v2")


def test_flags_win_over_cluster_info() -> None:
    found = target(
        cluster_name="flag",
        cluster_id=None,
        region="eu-west-1",
        info=info(
            server="https://x.gr7.us-west-2.eks.amazonaws.com", config={"clusterName": "cfg"}
        ),
    )
    assert (found.cluster_name, found.region) == ("flag", "eu-west-1")


def test_cluster_and_region_from_extension() -> None:
    found = target(
        cluster_name=None,
        cluster_id=None,
        region=None,
        info=info(
            server="https://127.0.0.1:6443", config={"clusterName": "prod", "region": "eu-west-1"}
        ),
    )
    assert (found.cluster_name, found.region) == ("prod", "eu-west-1")


@pytest.mark.parametrize(
    ("server", "region"),
    [
        ("https://ABCDEF0123456789ABCDEF0123456789.gr7.us-west-2.eks.amazonaws.com", "us-west-2"),
        ("https://0123.yl4.cn-north-1.eks.amazonaws.com.cn", "cn-north-1"),
        ("https://0123.sk1.us-gov-west-1.eks.amazonaws.com:443/", "us-gov-west-1"),
        ("https://127.0.0.1:6443", None),
        ("https://eks.amazonaws.com.evil.example", None),
    ],
)
def test_region_inferred_from_eks_server(server: str, region: str | None) -> None:
    found = target(
        cluster_name=None,
        cluster_id=None,
        region=None,
        info=info(server=server, config={"clusterName": "c"}),
    )
    assert found.region == region


def test_cluster_id_from_extension() -> None:
    ident = "0d2f6c3e-1a2b-4c5d-8e9f-0123456789ab"
    found = target(
        cluster_name=None,
        cluster_id=None,
        region="us-west-2",
        info=info(config={"clusterId": ident}),
    )
    assert found.cluster_id == ident and found.token_cluster == ident


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cluster_name": "a", "cluster_id": "0d2f6c3e-1a2b-4c5d-8e9f-0123456789ab"}, "mutually"),
        ({"cluster_name": ""}, "invalid cluster name"),
        ({"cluster_name": "-leading-dash"}, "invalid cluster name"),
        ({"cluster_name": "x" * 101}, "invalid cluster name"),
        ({"cluster_name": "a b"}, "invalid cluster name"),
        ({"cluster_name": "demo\n"}, "invalid cluster name"),
        ({"cluster_id": "0d2f6c3e-1a2b-4c5d-8e9f-0123456789ab\n"}, "invalid cluster id"),
        ({"cluster_id": "not a name!"}, "invalid cluster id"),
        ({}, "no cluster given"),
    ],
)
def test_bad_targets(kwargs: dict[str, str], message: str) -> None:
    args: dict[str, str | None] = {"cluster_name": None, "cluster_id": None}
    args.update(kwargs)
    with pytest.raises(InputError, match=message) as e:
        target(region=None, info=ec.ExecInfo(None, None, {}), **args)
    assert e.value.hint


def test_no_cluster_hint_names_the_kubeconfig_settings() -> None:
    with pytest.raises(InputError) as e:
        target(cluster_name=None, cluster_id=None, region=None, info=ec.ExecInfo(None, None, {}))
    hint = e.value.hint or ""
    assert "provideClusterInfo: true" in hint and "client.authentication.k8s.io/exec" in hint
    assert "--cluster-name" in hint


@pytest.mark.parametrize("bad", [{"clusterName": 7}, {"clusterName": ""}, {"clusterName": "a b"}])
def test_bad_extension_values(bad: dict[str, object]) -> None:
    with pytest.raises(InputError):
        target(cluster_name=None, cluster_id=None, region=None, info=info(config=bad))


def test_render_is_one_exact_document() -> None:
    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    out = ec.render(V1, Token("k8s-aws-v1.abc", at))
    assert out.endswith("\n") and out.count("\n") == 1
    assert json.loads(out) == {
        "kind": "ExecCredential",
        "apiVersion": V1,
        "spec": {},
        "status": {"expirationTimestamp": "2030-01-02T03:04:05Z", "token": "k8s-aws-v1.abc"},
    }
