"""The AWS calls doctor adds (aws/sts.py, aws/logs.py, aws/trust.py, aws/cluster_access.py): typed
records out of botocore Stubbers and moto, failures as one-line errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import botocore.session
import pytest
from botocore.stub import ANY, Stubber

from eks_tf_auth import identity
from eks_tf_auth.aws import cluster_access, logs, sts, trust
from eks_tf_auth.errors import AwsError
from eks_tf_auth.identity import ClusterRequest
from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET

REGION = "us-west-2"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def client(service: str) -> Any:
    return botocore.session.get_session().create_client(
        service, region_name=REGION, aws_access_key_id="AKIAX", aws_secret_access_key="x"
    )


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": REGION,
        **extra,
    }


def resolved(environ: dict[str, str], **request: str) -> identity.Resolved:
    return identity.resolve(ClusterRequest(cluster_name="prod", **request), environ)


# -- sts: credentials and their source ----------------------------------------------------------


def test_environment_keys(tmp_path: Path) -> None:
    environ = env(tmp_path, AWS_ACCESS_KEY_ID=TEST_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=TEST_SECRET)
    found = sts.find_credentials(resolved(environ), environ)
    assert (found.source, found.role_arn) == ("env", None)
    assert found.credentials == identity.credentials(resolved(environ), environ)


def test_a_profiles_static_keys(tmp_path: Path) -> None:
    (tmp_path / "credentials").write_text(
        f"[p]\naws_access_key_id = {TEST_ACCESS_KEY}\naws_secret_access_key = {TEST_SECRET}\n"
    )
    (tmp_path / "config").write_text("[profile p]\nregion = us-west-2\n")
    environ = env(tmp_path, AWS_PROFILE="p")
    found = sts.find_credentials(resolved(environ), environ)
    assert found.source == "shared-credentials-file"
    assert found.credentials.access_key_id == TEST_ACCESS_KEY


def test_botocores_chain_names_its_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "creds.sh"
    expiry = "2030-01-01T00:00:00Z"
    body = {
        "Version": 1,
        "AccessKeyId": "AKIAPROCESS",
        "SecretAccessKey": "s" * 40,
        "Expiration": expiry,
    }
    script.write_text(f"#!/bin/sh\necho '{json.dumps(body)}'\n")
    script.chmod(0o755)
    (tmp_path / "config").write_text(f"[profile p]\ncredential_process = {script}\n")
    environ = env(tmp_path)
    for name, value in environ.items():  # botocore reads the process environment
        monkeypatch.setenv(name, value)
    found = sts.find_credentials(resolved(environ, profile="p"), environ)
    assert (found.source, found.credentials.access_key_id) == ("custom-process", "AKIAPROCESS")
    assert found.source_expires_at == datetime(2030, 1, 1, tzinfo=timezone.utc)


@pytest.mark.real
def test_a_role_is_assumed_on_top_of_the_source(tmp_path: Path, moto_url: str) -> None:
    environ = env(
        tmp_path,
        AWS_ACCESS_KEY_ID=TEST_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=TEST_SECRET,
        AWS_ENDPOINT_URL_STS=moto_url,
    )
    role = "arn:aws:iam::123456789012:role/deployer"
    res = resolved(environ, role_arn=role, session_name="doctor")
    found = sts.find_credentials(res, environ)
    assert (found.source, found.role_arn) == ("env", role)
    assert found.credentials.access_key_id.startswith("ASIA")
    caller = sts.caller_identity(sts.client(res, found.credentials, environ))
    assert caller.arn == "arn:aws:sts::123456789012:assumed-role/deployer/doctor"
    assert caller.server_time is not None
    assert abs(caller.server_time - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_caller_identity_and_the_date_header() -> None:
    stsc = client("sts")
    with Stubber(stsc) as stub:
        answer = {
            "Arn": "arn:aws:iam::123456789012:user/alice",
            "Account": "123456789012",
            "UserId": "AIDAEXAMPLE",
            "ResponseMetadata": {"HTTPHeaders": {"date": "Sun, 01 Jun 2025 12:00:00 GMT"}},
        }
        stub.add_response("get_caller_identity", answer, {})
        found = sts.caller_identity(stsc)
    assert found.server_time == NOW
    assert (found.arn, found.account, found.user_id) == (
        "arn:aws:iam::123456789012:user/alice",
        "123456789012",
        "AIDAEXAMPLE",
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("not a date", None),
        ("Sun, 01 Jun 2025 12:00:00 -0000", NOW),
    ],
)
def test_dates_that_cannot_be_read(header: str | None, expected: datetime | None) -> None:
    assert sts._http_date(header) == expected


def test_caller_identity_refused_is_one_line() -> None:
    stsc = client("sts")
    with Stubber(stsc) as stub:
        stub.add_client_error("get_caller_identity", "InvalidClientTokenId", "bad key", 403)
        with pytest.raises(AwsError, match="InvalidClientTokenId: bad key"):
            sts.caller_identity(stsc)


# -- logs ---------------------------------------------------------------------------------------


def test_denied_lines_are_filtered_paged_and_capped() -> None:
    caller = "arn:aws:sts::123456789012:assumed-role/deployer/s"
    long = 'msg="access denied" arn="' + caller + '" ' + "x " * 200
    logsc = client("logs")
    with Stubber(logsc) as stub:
        params = {
            "logGroupName": "/aws/eks/prod/cluster",
            "logStreamNamePrefix": "authenticator",
            "filterPattern": '"access denied"',
            "startTime": int(NOW.timestamp() * 1000),
        }
        first = [
            {
                "timestamp": 1_748_779_300_000,
                "message": f'msg="access denied" arn="{caller.upper()}"',
            },
            {"timestamp": 1_748_779_200_000, "message": 'msg="access denied" arn="other"'},
        ]
        stub.add_response("filter_log_events", {"events": first, "nextToken": "n"}, params)
        second = [
            {"timestamp": 1_748_779_100_000, "message": long},
            {
                "timestamp": 1_748_779_000_000,
                "message": f"k8s-aws-v1.{'a' * 40} access denied {caller}",
            },
        ]
        stub.add_response("filter_log_events", {"events": second}, {**params, "nextToken": "n"})
        lines = logs.denied_lines(logsc, "prod", [caller, ""], since=NOW, limit=2)
    assert [line.at.timestamp() for line in lines] == [1_748_779_100, 1_748_779_300]
    assert len(lines[0].message) == logs.MAX_LINE and lines[0].message.endswith("...")
    logsc = client("logs")
    with Stubber(logsc) as stub:
        stub.add_response("filter_log_events", {"events": second}, None)
        [token_line, _] = logs.denied_lines(logsc, "prod", [caller], since=NOW)
    assert "k8s-aws-v1.REDACTED" in token_line.message


def test_the_look_back_is_bounded() -> None:
    logsc = client("logs")
    with Stubber(logsc) as stub:
        for _ in range(logs.MAX_PAGES):
            stub.add_response("filter_log_events", {"events": [], "nextToken": "more"}, None)
        assert logs.denied_lines(logsc, "prod", ["arn"], since=NOW) == []
        stub.assert_no_pending_responses()


def test_logs_refused_is_one_line() -> None:
    logsc = client("logs")
    with Stubber(logsc) as stub:
        stub.add_client_error("filter_log_events", "ResourceNotFoundException", "no group", 400)
        with pytest.raises(AwsError, match="cannot read the authenticator logs of cluster 'prod'"):
            logs.denied_lines(logsc, "prod", ["arn"], since=NOW)


def test_logs_client(tmp_path: Path) -> None:
    creds = identity.credentials(
        resolved(env(tmp_path, AWS_ACCESS_KEY_ID="AKIAX", AWS_SECRET_ACCESS_KEY="y")),
        env(tmp_path, AWS_ACCESS_KEY_ID="AKIAX", AWS_SECRET_ACCESS_KEY="y"),
    )
    made: Any = logs.client(None, creds, region=REGION, environ=env(tmp_path))
    assert made.meta.service_model.service_name == "logs" and made.meta.region_name == REGION


# -- trust: roles and OIDC providers ------------------------------------------------------------


def test_role_trust() -> None:
    iam = client("iam")
    policy: dict[str, Any] = {"Statement": []}
    role = {
        "Path": "/team/",
        "RoleName": "app",
        "RoleId": "AROAEXAMPLEEXAMPLE1",
        "Arn": "arn:aws:iam::123456789012:role/team/app",
        "CreateDate": NOW,
        "AssumeRolePolicyDocument": quote(json.dumps(policy)),
    }
    with Stubber(iam) as stub:
        stub.add_response("get_role", {"Role": role}, {"RoleName": "app"})
        bare = {k: v for k, v in role.items() if k != "AssumeRolePolicyDocument"}
        stub.add_response("get_role", {"Role": bare}, None)
        stub.add_client_error("get_role", "NoSuchEntity", "no", 404)
        stub.add_client_error("get_role", "AccessDenied", "denied", 403)
        assert trust.role_trust(iam, "app") == trust.RoleTrust(
            "app", str(role["Arn"]), str(role["RoleId"]), NOW, policy
        )
        assert trust.role_trust(iam, "app").policy == {}  # type: ignore[union-attr]
        assert trust.role_trust(iam, "app") is None
        with pytest.raises(AwsError, match="cannot read IAM role 'app': AccessDenied"):
            trust.role_trust(iam, "app")


def test_oidc_providers() -> None:
    iam = client("iam")
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC"
    listed = {
        "OpenIDConnectProviderList": [{"Arn": "arn:aws:iam::1:oidc-provider/other"}, {"Arn": arn}]
    }
    with Stubber(iam) as stub:
        stub.add_response("list_open_id_connect_providers", listed, {})
        stub.add_response(
            "get_open_id_connect_provider",
            {
                "Url": "oidc.eks.us-west-2.amazonaws.com/id/ABC",
                "ClientIDList": ["sts.amazonaws.com"],
            },
            {"OpenIDConnectProviderArn": arn},
        )
        stub.add_response("list_open_id_connect_providers", {"OpenIDConnectProviderList": []}, {})
        found = trust.oidc_provider(iam, "https://oidc.eks.us-west-2.amazonaws.com/id/ABC/")
        assert found == trust.OidcProvider(
            arn, "oidc.eks.us-west-2.amazonaws.com/id/ABC", ("sts.amazonaws.com",)
        )
        assert trust.oidc_provider(iam, "oidc.eks.us-west-2.amazonaws.com/id/ABC") is None


# -- cluster_access ----------------------------------------------------------------------------


def test_cluster_access_and_access_entry_times() -> None:
    eks = client("eks")
    with Stubber(eks) as stub:
        stub.add_response(
            "describe_cluster",
            {
                "cluster": {
                    "name": "prod",
                    "logging": {"clusterLogging": [{"types": ["authenticator"], "enabled": False}]},
                }
            },
            {"name": "prod"},
        )
        stub.add_client_error("describe_cluster", "ResourceNotFoundException", "none", 404)
        entry = {"accessEntry": {"principalArn": "arn:aws:iam::1:role/r", "createdAt": NOW}}
        stub.add_response(
            "describe_access_entry", entry, {"clusterName": "prod", "principalArn": ANY}
        )
        stub.add_client_error("describe_access_entry", "ResourceNotFoundException", "none", 404)
        found = cluster_access.cluster_access(eks, "prod")
        assert found == cluster_access.ClusterAccess(True, False, (), None, False, None)
        with pytest.raises(AwsError, match="cluster 'staging' not found in us-west-2"):
            cluster_access.cluster_access(eks, "staging")
        assert cluster_access.access_entry_created(eks, "prod", "arn:aws:iam::1:role/r") == NOW
        assert cluster_access.access_entry_created(eks, "prod", "arn:aws:iam::1:role/r") is None
