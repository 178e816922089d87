"""botocore sessions and clients. botocore is imported here (and in the modules of this package
that call AWS), never at the top of a module, nor outside this package.

Instance metadata: botocore's own defaults (1 s timeout, 1 attempt) already make a machine
without IMDS fail in about 2 s; `tests/aws/test_session.py` pins them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eks_tf_auth.aws.errors import translate_errors

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.session import Session

    from eks_tf_auth.aws.credentials import Credentials


def session(profile: str | None) -> Session:
    import botocore.session

    with translate_errors():
        return botocore.session.Session(profile=profile)


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
