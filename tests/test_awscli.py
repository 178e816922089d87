"""The same request through `aws eks get-token` (the AWS CLI from PyPI) and through ours."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.support.aws import TEST_ACCESS_KEY, TEST_SECRET, AwsEnv
from tests.support.tools import require_tool
from tests.support.verifier import verify_token

pytestmark = pytest.mark.real

# Parts that differ between two signings a second apart.
TIME_DEPENDENT = {"X-Amz-Date", "X-Amz-Signature", "X-Amz-Credential"}


def url_of(token: str) -> tuple[str, dict[str, str]]:
    body = token.removeprefix("k8s-aws-v1.")
    url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query))


@pytest.mark.parametrize(
    "env_changes",
    [
        {},
        {"AWS_SESSION_TOKEN": "FwoGZXIvYXdzEJr//////////session+token="},
        {"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-central-1"},
        {"AWS_USE_FIPS_ENDPOINT": "true"},
        {"AWS_DEFAULT_REGION": "cn-north-1", "AWS_REGION": "cn-north-1"},
    ],
    ids=["static", "session-token", "eu-central-1", "fips", "china"],
)
def test_same_request_as_aws_eks_get_token(aws_env: AwsEnv, env_changes: dict[str, str]) -> None:
    aws = require_tool("aws")
    env = {**aws_env.env, "AWS_DEFAULT_REGION": "us-west-2", **env_changes}
    region = env["AWS_DEFAULT_REGION"]
    theirs = subprocess.run(
        [
            aws,
            "eks",
            "get-token",
            "--cluster-name",
            "test-cluster",
            "--region",
            region,
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    ours = aws_env.run("exec", "--cluster-name", "test-cluster", "--region", region, env=env)
    assert ours.returncode == 0, ours.stderr
    their_doc, our_doc = json.loads(theirs.stdout), json.loads(ours.stdout)
    assert our_doc["kind"] == their_doc["kind"] == "ExecCredential"
    assert our_doc["apiVersion"] == their_doc["apiVersion"]

    their_base, their_query = url_of(their_doc["status"]["token"])
    our_base, our_query = url_of(our_doc["status"]["token"])
    assert our_base == their_base
    assert list(our_query) == list(their_query)  # same parameters, same order
    for key in set(our_query) - TIME_DEPENDENT:
        assert our_query[key] == their_query[key], key
    assert (
        our_query["X-Amz-Credential"].split("/")[2:]
        == their_query["X-Amz-Credential"].split("/")[2:]
    )
    for doc in (their_doc, our_doc):
        verify_token(
            doc["status"]["token"],
            cluster_id="test-cluster",
            secrets={TEST_ACCESS_KEY: TEST_SECRET},
            now=datetime.now(timezone.utc),
        )
