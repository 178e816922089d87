from __future__ import annotations

import pytest

from eks_tf_auth.aws.credentials import chain_credentials
from eks_tf_auth.aws.session import session
from eks_tf_auth.errors import InputError


def test_a_machine_without_instance_metadata_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's defaults (1 s, 1 attempt) are what keeps `exec` from hanging ~20 s off EC2."""
    for name in ("AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    sess = session(None)
    assert int(sess.get_config_variable("metadata_service_timeout")) == 1
    assert int(sess.get_config_variable("metadata_service_num_attempts")) == 1


def test_an_unknown_profile_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    with pytest.raises(InputError, match="could not be found"):
        chain_credentials(session("no-such-profile"))
