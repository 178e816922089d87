"""botocore sessions and clients. botocore is imported here (and in the modules of this package
that call AWS), never at the top of a module, nor outside this package.

Nothing waits forever, since kubectl and Terraform wait for us: every AWS call (ours, and the STS
calls botocore makes for web identity and roles) has a connect and a read timeout and at most
`MAX_ATTEMPTS` tries, and a `credential_process` that does not exit is stopped. Each bound can be
changed in the environment (`TIMEOUT_ENV`). Instance metadata keeps botocore's own defaults (1 s,
1 attempt), which already make a machine without IMDS fail in about 2 s;
`tests/aws/test_session.py` pins them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eks_tf_auth.aws.errors import translate_errors
from eks_tf_auth.errors import AwsError
from eks_tf_auth.validate import seconds

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.session import Session

    from eks_tf_auth.aws.credentials import Credentials

# Environment variable -> (default seconds, what it bounds)
TIMEOUT_ENV = {
    "EKS_TF_AUTH_CONNECT_TIMEOUT": (3.0, "connecting to an AWS endpoint"),
    "EKS_TF_AUTH_READ_TIMEOUT": (5.0, "waiting for an AWS endpoint's answer"),
    "EKS_TF_AUTH_CREDENTIAL_PROCESS_TIMEOUT": (30.0, "a credential_process to exit"),
}
MAX_ATTEMPTS = 2  # botocore's standard retry mode: one retry of a throttled or failed call


def session(profile: str | None, environ: Mapping[str, str]) -> Session:
    import botocore.config
    import botocore.session

    with translate_errors():
        sess = botocore.session.Session(profile=profile)
        sess.set_default_client_config(
            botocore.config.Config(
                connect_timeout=timeout(environ, "EKS_TF_AUTH_CONNECT_TIMEOUT"),
                read_timeout=timeout(environ, "EKS_TF_AUTH_READ_TIMEOUT"),
                retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
            )
        )
        process = sess.get_component("credential_provider").get_provider("custom-process")
        process._popen = _bounded_popen(timeout(environ, "EKS_TF_AUTH_CREDENTIAL_PROCESS_TIMEOUT"))
    return sess


def sts_client(sess: Session, source: Credentials, *, region: str, endpoint_url: str) -> BaseClient:
    with translate_errors():
        return sess.create_client(
            "sts",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=source.access_key_id,
            aws_secret_access_key=source.secret_access_key,
            aws_session_token=source.session_token,
        )


def timeout(environ: Mapping[str, str], name: str) -> float:
    return seconds(environ, name, TIMEOUT_ENV)


def _bounded_popen(seconds: float) -> Any:
    """A Popen for botocore's credential_process provider whose `communicate` stops the process
    after `seconds` and fails clearly; a non-zero exit is reported without the process's stderr
    (it may print secrets), which the debug switch shows redacted."""

    class BoundedPopen(subprocess.Popen[bytes]):
        def __init__(self, command: list[str], **kwargs: Any) -> None:
            # Its own process group, so that a timeout stops what it started too (a shell
            # script's `sleep` would otherwise hold the pipe open).
            kwargs["start_new_session"] = True
            super().__init__(command, **kwargs)

        def communicate(
            self, input: bytes | None = None, timeout: float | None = None
        ) -> tuple[bytes, bytes]:
            try:
                out, err = super().communicate(input, timeout=seconds)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                super().communicate()
                raise AwsError(
                    f"credential_process did not exit within {seconds:g} s; stopped it",
                    hint="run it yourself to see why it waits (a login prompt?), or raise "
                    "EKS_TF_AUTH_CREDENTIAL_PROCESS_TIMEOUT",
                ) from None
            if self.returncode != 0:
                _log_stderr(err)
                raise AwsError(
                    f"credential_process exited with status {self.returncode}",
                    hint="run it yourself to see its error; EKS_TF_AUTH_DEBUG=1 shows its "
                    "stderr with secrets redacted",
                )
            return out, err

    return BoundedPopen


def _log_stderr(err: bytes) -> None:
    import logging

    from eks_tf_auth.token import redact

    text = err.decode("utf-8", "replace").strip()
    if text:
        logging.getLogger(__name__).debug("credential_process stderr: %s", redact(text))
