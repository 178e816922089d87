from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import botocore.session
import pytest
from botocore.credentials import Credentials as BotoCredentials
from botocore.stub import Stubber

from eks_tf_auth.aws import credentials as aws
from eks_tf_auth.aws.session import sts_client
from eks_tf_auth.errors import AwsError


def test_static_credentials_follow_botocores_precedence() -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SECURITY_TOKEN": "t"}
    found = aws.static_credentials(env, profile=None)
    assert found is not None and (found.access_key_id, found.session_token) == ("AKID", "t")
    assert aws.static_credentials(env, profile="explicit") is None  # --profile drops env keys
    assert aws.static_credentials({"AWS_ACCESS_KEY_ID": "AKID"}, profile=None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("2030-01-02T03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("2030-01-02T05:04:05+02:00", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ],
)
def test_credential_expiration_from_env(text: str, expected: datetime) -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_CREDENTIAL_EXPIRATION": text,
    }
    found = aws.static_credentials(env, profile=None)
    assert found is not None and found.expires_at == expected


class _Found:
    def __init__(self, access: str | None, secret: str | None) -> None:
        self._frozen = BotoCredentials(access, secret)  # type: ignore[arg-type]

    def get_frozen_credentials(self) -> Any:
        return self._frozen


def test_incomplete_chain_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    sess = botocore.session.Session()
    monkeypatch.setattr(sess, "get_credentials", lambda: _Found("AKID", None))
    with pytest.raises(AwsError, match="incomplete"):
        aws.chain_credentials(sess)
    monkeypatch.setattr(sess, "get_credentials", lambda: None)
    with pytest.raises(AwsError, match="no AWS credentials found"):
        aws.chain_credentials(sess)


def test_assume_role_sends_the_parameters() -> None:
    sess = botocore.session.Session()
    source = aws.static_credentials(
        {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"}, profile=None
    )
    assert source is not None
    sts = sts_client(
        sess, source, region="eu-west-1", endpoint_url="https://sts.eu-west-1.amazonaws.com"
    )
    expires = datetime(2030, 1, 1, tzinfo=timezone.utc)
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": "ASIA1234567890ABCDEF",
                    "SecretAccessKey": "x",
                    "SessionToken": "t",
                    "Expiration": expires,
                }
            },
            {
                "RoleArn": "arn:aws:iam::123456789012:role/r",
                "RoleSessionName": "s1",
                "ExternalId": "e1",
            },
        )
        creds = aws.assume_role(
            sts, role_arn="arn:aws:iam::123456789012:role/r", external_id="e1", session_name="s1"
        )
        stub.assert_no_pending_responses()
    assert (creds.access_key_id, creds.session_token, creds.expires_at) == (
        "ASIA1234567890ABCDEF",
        "t",
        expires,
    )
