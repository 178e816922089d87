from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.credentials import Credentials as BotoCredentials
from botocore.stub import Stubber

from eks_tf_auth.aws import credentials as aws
from eks_tf_auth.aws.credentials import chain_credentials
from eks_tf_auth.aws.session import session, sts_client
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
        chain_credentials(sess)
    monkeypatch.setattr(sess, "get_credentials", lambda: None)
    with pytest.raises(AwsError, match="no AWS credentials found"):
        chain_credentials(sess)


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


# --- every way a credential source can fail is one line naming the source ----------------------

SCRIPTS = {
    "junk": ("echo 'not json'", "Expecting value"),
    "array": ("echo '[1, 2]'", "'list' object has no attribute"),
    "binary": ("printf '\\377\\376'", "can't decode byte 0xff"),
    "expired": (
        'echo \'{"Version": 1, "AccessKeyId": "AKIAX", "SecretAccessKey": "s", '
        '"SessionToken": "t", "Expiration": "2001-01-01T00:00:00Z"}\'',
        "still expired",
    ),
    "bad-expiration": (
        'echo \'{"Version": 1, "AccessKeyId": "AKIAX", "SecretAccessKey": "s", '
        '"Expiration": "tomorrow"}\'',
        "Unknown string format: tomorrow",
    ),
    "wrong-version": ("echo '{\"Version\": 2}'", "Unsupported version '2'"),
}


def process_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text(f"[profile p]\ncredential_process = {command}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.sh"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("case", list(SCRIPTS))
def test_a_credential_process_that_prints_junk_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    body, reason = SCRIPTS[case]
    process_profile(tmp_path, monkeypatch, script(tmp_path, case, body))
    with pytest.raises(AwsError) as caught:
        chain_credentials(session("p", os.environ))
    message = caught.value.message
    assert "credential_process" in message and reason in message and "\n" not in message
    assert caught.value.hint


@pytest.mark.parametrize(
    ("command", "reason"),
    [("/nonexistent/helper", "no such file: /nonexistent/helper"), ("x 'open", "No closing")],
)
def test_a_credential_process_that_cannot_start_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, reason: str
) -> None:
    process_profile(tmp_path, monkeypatch, command)
    with pytest.raises(AwsError, match=f"from credential_process: {reason}"):
        chain_credentials(session("p", os.environ))


def test_a_failing_credential_process_never_relays_its_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    body = "echo 'AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' >&2; exit 3"
    process_profile(tmp_path, monkeypatch, script(tmp_path, "fail", body))
    with caplog.at_level("DEBUG", logger="eks_tf_auth"), pytest.raises(AwsError) as caught:
        chain_credentials(session("p", os.environ))
    assert caught.value.message == "credential_process exited with status 3"
    assert "AKIA" not in caplog.text and "EXAMPLEKEY" not in caplog.text
    assert "credential_process stderr: REDACTED REDACTED" in caplog.text  # debug only, redacted


def test_a_credential_process_that_never_exits_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    marker = tmp_path / "started"
    body = f"touch {marker}; sleep 300"
    process_profile(tmp_path, monkeypatch, script(tmp_path, "hang", body))
    monkeypatch.setenv("EKS_TF_AUTH_CREDENTIAL_PROCESS_TIMEOUT", "0.5")
    started = time.monotonic()
    with pytest.raises(AwsError, match=r"did not exit within 0\.5 s; stopped it"):
        chain_credentials(session("p", os.environ))
    assert time.monotonic() - started < 5 and marker.exists()


def test_web_identity_without_its_token_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    process_profile(tmp_path, monkeypatch, "unused")
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "missing-token"))
    with pytest.raises(AwsError, match=r"from web identity .*: no such file: .*missing-token"):
        chain_credentials(session(None, os.environ))


def test_a_container_endpoint_on_a_foreign_host_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    process_profile(tmp_path, monkeypatch, "unused")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds")
    with pytest.raises(AwsError, match=r"container credentials endpoint.*Unsupported host") as e:
        chain_credentials(session(None, os.environ))
    assert "Pod Identity" in (e.value.hint or "")


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "SECRET-9\udcffb"},
        {"AWS_ACCESS_KEY_ID": "AKIA\u00e9", "AWS_SECRET_ACCESS_KEY": "SECRET-9"},
        {
            "AWS_ACCESS_KEY_ID": "AKIAX",
            "AWS_SECRET_ACCESS_KEY": "SECRET-9",
            "AWS_SESSION_TOKEN": "t\n",
        },
    ],
    ids=["not-utf8-secret", "non-ascii-key", "control-character"],
)
def test_credentials_that_are_not_text_are_an_input_error(env: dict[str, str]) -> None:
    from eks_tf_auth.errors import InputError

    with pytest.raises(InputError, match="is not plain ASCII text") as caught:
        aws.static_credentials(env, profile=None)
    assert env["AWS_SECRET_ACCESS_KEY"] not in caught.value.message


def test_a_provider_error_outside_any_provider_names_the_chain() -> None:
    class Broken:
        method = "mystery"

        def get_frozen_credentials(self) -> None:
            raise RuntimeError("boom")

    class Sess:
        def get_credentials(self) -> Broken:
            return Broken()

    with pytest.raises(AwsError, match="from botocore's credential chain: boom"):
        chain_credentials(Sess())  # type: ignore[arg-type]


def test_a_failing_credential_process_with_a_silent_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    process_profile(tmp_path, monkeypatch, script(tmp_path, "quiet", "exit 4"))
    with caplog.at_level("DEBUG", logger="eks_tf_auth"), pytest.raises(AwsError) as caught:
        chain_credentials(session("p", os.environ))
    assert caught.value.message == "credential_process exited with status 4"
    assert "credential_process stderr" not in caplog.text
