"""exec.argv: what an exec block runs."""

from __future__ import annotations

import pytest

from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest
from tests.support.render import ROLE


def test_aws_cli_takes_no_external_id() -> None:
    from eks_tf_auth.exec import argv

    who = ClusterRequest(cluster_name="prod", role_arn=ROLE, external_id="ext-1")
    with pytest.raises(InputError, match="no external id"):
        argv.build("/usr/local/bin/aws", who, "eu-west-1")
