from __future__ import annotations

# Tests of the test-support modules: the independent EKS token verifier and the local
# HTTPS EKS API double (exercised with urllib and, when available, a real kubectl).
import base64
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.signers import generate_presigned_url

from tests.support.eks_double import EksApiDouble, Identity, RequestRecord
from tests.support.tools import kubectl_binary, require_tool
from tests.support.verifier import TokenRejected, VerifiedToken, decode_token, verify_token

UTC = timezone(timedelta(0))

# -- known answer ------------------------------------------------------------------------

KAT_ACCESS_KEY_ID = "ASIAR2TG44V6AS3ZZE7C"
KAT_SECRET = "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q"
KAT_CLUSTER = "test-cluster"
KAT_SIGNED_AT = datetime(2023, 4, 28, 0, 0, 0, tzinfo=UTC)
KAT_NOW = datetime(2023, 4, 28, 0, 0, 30, tzinfo=UTC)
KAT_SIGNATURE = "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce"
KAT_TOKEN = (
    "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtd2VzdC0yLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0"
    "eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlh"
    "bD1BU0lBUjJURzQ0VjZBUzNaWkU3QyUyRjIwMjMwNDI4JTJGdXMtd2VzdC0yJTJGc3RzJTJGYXdzNF9yZXF1ZXN0Jlgt"
    "QW16LURhdGU9MjAyMzA0MjhUMDAwMDAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUz"
    "QngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9ZTIxMWRiYTc3YWJhOWRjNDRiMGI2YmUzOGI4ZWFhZDA5MjU5OWM1"
    "MTU3ZjYzMTQ0NDRjNWI5ZDg1NzQ3ZjVjZQ"
)
KAT_URL = (
    "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
    "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=ASIAR2TG44V6AS3ZZE7C%2F20230428%2Fus-west-2%2Fsts%2Faws4_request"
    "&X-Amz-Date=20230428T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"
    f"&X-Amz-Signature={KAT_SIGNATURE}"
)
KAT_SECRETS = {KAT_ACCESS_KEY_ID: KAT_SECRET}

# A session token with the characters that need percent-encoding in a query string.
SESSION_TOKEN = "FwoGZXIvYXdzEBYaDH+example/session+token=="

ALICE_KEY = "AKIAALICE00000000001"
ALICE = Identity(arn="arn:aws:iam::111122223333:user/alice", secret="alice/secret+key")
BOB_KEY = "ASIABOB0000000000002"
BOB = Identity(arn="arn:aws:sts::111122223333:assumed-role/admin/bob", secret="bob-secret-key-0000")

UNAUTHORIZED_STATUS = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


# -- helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # botocore must see only the static credentials the tests pass in.
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def encode_token(url: str) -> str:
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode("utf-8")).decode().rstrip("=")


def botocore_presign(
    cluster: str,
    *,
    access_key_id: str,
    secret: str,
    region: str = "us-west-2",
    session_token: str | None = None,
    at: datetime | None = None,
    expires: int = 60,
    endpoint_url: str | None = None,
) -> str:
    """Have botocore presign GetCallerIdentity with x-k8s-aws-id signed (the oracle)."""
    session = botocore.session.Session()
    client = session.create_client(
        "sts",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        aws_session_token=session_token,
    )

    def take_cluster_name(
        params: dict[str, object], context: dict[str, object], **_: object
    ) -> None:
        context["eks_cluster"] = params.pop("ClusterName")

    def add_cluster_header(request: AWSRequest, **_: object) -> None:
        request.headers["x-k8s-aws-id"] = request.context["eks_cluster"]

    client.meta.events.register("provide-client-params.sts.GetCallerIdentity", take_cluster_name)
    client.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_header)

    def presign() -> str:
        url = generate_presigned_url(
            client,
            "get_caller_identity",
            Params={"ClusterName": cluster},
            ExpiresIn=expires,
            HttpMethod="GET",
        )
        assert isinstance(url, str)
        return url

    if at is None:
        return presign()
    naive_utc = at.astimezone(UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=naive_utc):
        return presign()


def botocore_token(
    cluster: str,
    *,
    access_key_id: str,
    secret: str,
    region: str = "us-west-2",
    session_token: str | None = None,
    at: datetime | None = None,
    expires: int = 60,
    endpoint_url: str | None = None,
) -> str:
    return encode_token(
        botocore_presign(
            cluster,
            access_key_id=access_key_id,
            secret=secret,
            region=region,
            session_token=session_token,
            at=at,
            expires=expires,
            endpoint_url=endpoint_url,
        )
    )


def verify_kat(
    token: str = KAT_TOKEN,
    *,
    cluster_id: str = KAT_CLUSTER,
    secrets: Mapping[str, str] = KAT_SECRETS,
    now: datetime = KAT_NOW,
    allowed_hosts: Collection[str] | None = None,
) -> VerifiedToken:
    return verify_token(
        token, cluster_id=cluster_id, secrets=secrets, now=now, allowed_hosts=allowed_hosts
    )


# -- verifier: known answer and botocore oracle ----------------------------------------


def test_known_answer_token_is_accepted() -> None:
    verified = verify_kat()
    assert verified == VerifiedToken(
        access_key_id=KAT_ACCESS_KEY_ID,
        region="us-west-2",
        host="sts.us-west-2.amazonaws.com",
        cluster_id=KAT_CLUSTER,
        session_token=None,
        signed_at=KAT_SIGNED_AT,
        query={
            "Action": "GetCallerIdentity",
            "Version": "2011-06-15",
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": "ASIAR2TG44V6AS3ZZE7C/20230428/us-west-2/sts/aws4_request",
            "X-Amz-Date": "20230428T000000Z",
            "X-Amz-Expires": "60",
            "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
            "X-Amz-Signature": KAT_SIGNATURE,
        },
    )
    assert verified.signed_at.utcoffset() == timedelta(0)


def test_decode_token_returns_the_presigned_url() -> None:
    assert decode_token(KAT_TOKEN) == KAT_URL
    assert encode_token(KAT_URL) == KAT_TOKEN


def test_decode_token_accepts_padding() -> None:
    padded = KAT_TOKEN + "=" * (-len(KAT_TOKEN.removeprefix("k8s-aws-v1.")) % 4)
    assert padded != KAT_TOKEN
    assert decode_token(padded) == KAT_URL
    assert verify_kat(padded).access_key_id == KAT_ACCESS_KEY_ID


def test_botocore_reproduces_the_known_answer() -> None:
    url = botocore_presign(
        KAT_CLUSTER, access_key_id=KAT_ACCESS_KEY_ID, secret=KAT_SECRET, at=KAT_SIGNED_AT
    )
    assert url == KAT_URL
    assert encode_token(url) == KAT_TOKEN


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-west-2", "sts.us-west-2.amazonaws.com"),
        ("cn-north-1", "sts.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", "sts.us-gov-west-1.amazonaws.com"),
    ],
)
def test_botocore_session_token_presign_is_accepted(region: str, host: str) -> None:
    signed_at = datetime(2024, 2, 29, 23, 59, 50, tzinfo=UTC)
    token = botocore_token(
        "prod-cluster",
        access_key_id=BOB_KEY,
        secret=BOB.secret,
        region=region,
        session_token=SESSION_TOKEN,
        at=signed_at,
    )
    secrets = {BOB_KEY: BOB.secret}
    now = signed_at + timedelta(seconds=20)

    verified = verify_token(token, cluster_id="prod-cluster", secrets=secrets, now=now)

    assert verified.session_token == SESSION_TOKEN
    assert verified.region == region
    assert verified.host == host
    assert verified.access_key_id == BOB_KEY
    assert verified.cluster_id == "prod-cluster"
    assert verified.signed_at == signed_at.replace(microsecond=0)
    assert verified.query["X-Amz-Security-Token"] == SESSION_TOKEN
    with pytest.raises(TokenRejected, match="signature mismatch"):
        verify_token(token, cluster_id="prod-cluster-2", secrets=secrets, now=now)
    with pytest.raises(TokenRejected, match="signature mismatch"):
        verify_token(token, cluster_id="prod-cluster", secrets={BOB_KEY: "x" + BOB.secret}, now=now)


@pytest.mark.parametrize(
    "host",
    [
        "sts.amazonaws.com",
        "sts.eu-central-1.amazonaws.com",
        "sts-fips.us-east-2.amazonaws.com",
        "sts.cn-northwest-1.amazonaws.com.cn",
        "sts.ap-southeast-5.api.aws",
        "sts-fips.us-gov-east-1.api.aws",
    ],
)
def test_every_default_sts_host_form_is_accepted(host: str) -> None:
    signed_at = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    token = botocore_token(
        "c",
        access_key_id=ALICE_KEY,
        secret=ALICE.secret,
        at=signed_at,
        endpoint_url=f"https://{host}",
    )
    verified = verify_token(token, cluster_id="c", secrets={ALICE_KEY: ALICE.secret}, now=signed_at)
    assert verified.host == host


@pytest.mark.parametrize(
    "host",
    [
        "sts.us-west-2.amazonaws.com:443",
        "STS.us-west-2.amazonaws.com",
        "sts.amazonaws.com.evil.example",
        "sts.us-west-2.amazonaws.com.evil.example",
        "evil.example",
        "sts.evil.amazonaws.com",
        "sts.us-west-2.example.com",
        "s3.us-west-2.amazonaws.com",
        "sts.us-west-2.api.aws.cn",
        "127.0.0.1:5000",
    ],
)
def test_non_sts_hosts_are_rejected_even_when_correctly_signed(host: str) -> None:
    signed_at = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    token = botocore_token(
        "c",
        access_key_id=ALICE_KEY,
        secret=ALICE.secret,
        at=signed_at,
        endpoint_url=f"https://{host}",
    )
    with pytest.raises(TokenRejected, match="not an allowed STS host"):
        verify_token(token, cluster_id="c", secrets={ALICE_KEY: ALICE.secret}, now=signed_at)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_allowed_hosts_replace_the_sts_hosts_and_permit_http(scheme: str) -> None:
    signed_at = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    token = botocore_token(
        "c",
        access_key_id=ALICE_KEY,
        secret=ALICE.secret,
        region="us-east-1",
        at=signed_at,
        session_token=SESSION_TOKEN,
        endpoint_url=f"{scheme}://127.0.0.1:5000",
    )
    secrets = {ALICE_KEY: ALICE.secret}

    verified = verify_token(
        token, cluster_id="c", secrets=secrets, now=signed_at, allowed_hosts=["127.0.0.1:5000"]
    )

    assert verified.host == "127.0.0.1:5000"
    assert verified.session_token == SESSION_TOKEN
    with pytest.raises(TokenRejected, match="not an allowed STS host"):
        verify_token(token, cluster_id="c", secrets=secrets, now=signed_at)
    with pytest.raises(TokenRejected, match="not an allowed STS host"):
        verify_token(
            token, cluster_id="c", secrets=secrets, now=signed_at, allowed_hosts=["127.0.0.1"]
        )


def test_allowed_hosts_exclude_the_default_sts_hosts() -> None:
    with pytest.raises(TokenRejected, match="not an allowed STS host"):
        verify_kat(allowed_hosts={"127.0.0.1:5000"})
    assert verify_kat(allowed_hosts={"sts.us-west-2.amazonaws.com"}).region == "us-west-2"


def test_expires_above_900_is_rejected_even_when_correctly_signed() -> None:
    signed_at = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    secrets = {ALICE_KEY: ALICE.secret}
    for expires in (0, 900):
        token = botocore_token(
            "c", access_key_id=ALICE_KEY, secret=ALICE.secret, at=signed_at, expires=expires
        )
        assert verify_token(token, cluster_id="c", secrets=secrets, now=signed_at)
    token = botocore_token(
        "c", access_key_id=ALICE_KEY, secret=ALICE.secret, at=signed_at, expires=901
    )
    with pytest.raises(TokenRejected, match=r"X-Amz-Expires 901 is outside 0\.\.900"):
        verify_token(token, cluster_id="c", secrets=secrets, now=signed_at)


# -- verifier: rejections -------------------------------------------------------------------


def test_wrong_cluster_is_rejected() -> None:
    with pytest.raises(TokenRejected, match="signature mismatch"):
        verify_kat(cluster_id="other-cluster")


def test_wrong_secret_is_rejected() -> None:
    with pytest.raises(TokenRejected, match="signature mismatch"):
        verify_kat(secrets={KAT_ACCESS_KEY_ID: KAT_SECRET[:-1] + "R"})


def test_unknown_access_key_id_is_rejected() -> None:
    with pytest.raises(TokenRejected, match="unknown access key id ASIAR2TG44V6AS3ZZE7C"):
        verify_kat(secrets={"AKIAOTHER00000000000": KAT_SECRET})


@pytest.mark.parametrize(
    ("delta", "accepted", "message"),
    [
        (timedelta(minutes=-15), True, ""),
        (timedelta(minutes=15), True, ""),
        (timedelta(minutes=-15, seconds=-1), False, "too far in the future"),
        (timedelta(minutes=15, seconds=1), False, "token expired"),
        (timedelta(days=-400), False, "too far in the future"),
        (timedelta(hours=2), False, "token expired"),
    ],
)
def test_time_window_is_fifteen_minutes_either_side(
    delta: timedelta, accepted: bool, message: str
) -> None:
    now = KAT_SIGNED_AT + delta
    if accepted:
        assert verify_kat(now=now).signed_at == KAT_SIGNED_AT
    else:
        with pytest.raises(TokenRejected, match=message):
            verify_kat(now=now)


def test_now_in_another_timezone_is_compared_as_an_instant() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert verify_kat(now=KAT_NOW.astimezone(plus_two)).access_key_id == KAT_ACCESS_KEY_ID


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_kat(now=KAT_NOW.replace(tzinfo=None))


@dataclass(frozen=True)
class UrlCase:
    name: str
    old: str
    new: str
    message: str


URL_CASES = [
    UrlCase("tampered signature", KAT_SIGNATURE, KAT_SIGNATURE[:-1] + "f", "signature mismatch"),
    UrlCase("signature upper-case", KAT_SIGNATURE, KAT_SIGNATURE.upper(), "lower-case hex"),
    UrlCase("signature truncated", KAT_SIGNATURE, KAT_SIGNATURE[:-2], "lower-case hex"),
    UrlCase("tampered host", "sts.us-west-2.", "sts.us-east-1.", "signature mismatch"),
    UrlCase(
        "global host", "sts.us-west-2.amazonaws.com", "sts.amazonaws.com", "signature mismatch"
    ),
    UrlCase(
        "non-STS host",
        "sts.us-west-2.amazonaws.com",
        "sts.us-west-2.example.com",
        "not an allowed STS host",
    ),
    UrlCase("host with user info", "https://", "https://user@", "plain host"),
    UrlCase("http scheme", "https://", "http://", "scheme 'http' is not https"),
    UrlCase("ftp scheme", "https://", "ftp://", "scheme 'ftp' is not https"),
    UrlCase("upper-case scheme", "https://", "HTTPS://", "absolute URL"),
    UrlCase("path", ".com/?", ".com/sts?", "path '/sts' is not '/'"),
    UrlCase("empty path", ".com/?", ".com?", "path '' is not '/'"),
    UrlCase("fragment", KAT_SIGNATURE, KAT_SIGNATURE + "#x", "fragment"),
    UrlCase("extra parameter", "&X-Amz-Date=", "&Foo=bar&X-Amz-Date=", "'Foo' is not allowed"),
    UrlCase("lower-case parameter name", "Action=", "action=", "'action' is not allowed"),
    UrlCase(
        "unsigned session token",
        "&X-Amz-Date=",
        "&X-Amz-Security-Token=abc&X-Amz-Date=",
        "signature mismatch",
    ),
    UrlCase(
        "empty session token",
        "&X-Amz-Date=",
        "&X-Amz-Security-Token=&X-Amz-Date=",
        "X-Amz-Security-Token is empty",
    ),
    UrlCase(
        "duplicated parameter",
        "&Version=",
        "&Action=GetCallerIdentity&Version=",
        "'Action' has more than one value",
    ),
    UrlCase(
        "duplicated identical date",
        "&X-Amz-Expires=",
        "&X-Amz-Date=20230428T000000Z&X-Amz-Expires=",
        "'X-Amz-Date' has more than one",
    ),
    UrlCase("missing parameter", "&X-Amz-Date=20230428T000000Z", "", "missing: X-Amz-Date"),
    UrlCase(
        "bad Action",
        "Action=GetCallerIdentity",
        "Action=AssumeRole",
        "Action 'AssumeRole' is not GetCallerIdentity",
    ),
    UrlCase("bad Version", "Version=2011-06-15", "Version=2011-06-16", "Version '2011-06-16'"),
    UrlCase("bad algorithm", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", "X-Amz-Algorithm"),
    UrlCase(
        "cluster header not signed", "host%3Bx-k8s-aws-id", "host", "does not include x-k8s-aws-id"
    ),
    UrlCase(
        "host header not signed", "host%3Bx-k8s-aws-id", "x-k8s-aws-id", "does not include host"
    ),
    UrlCase(
        "unknown signed header",
        "host%3Bx-k8s-aws-id",
        "host%3Bx-amz-foo%3Bx-k8s-aws-id",
        "must be exactly",
    ),
    UrlCase("expires 901", "X-Amz-Expires=60", "X-Amz-Expires=901", "901 is outside 0..900"),
    UrlCase("expires negative", "X-Amz-Expires=60", "X-Amz-Expires=-1", "non-negative integer"),
    UrlCase(
        "expires not a number", "X-Amz-Expires=60", "X-Amz-Expires=6e1", "non-negative integer"
    ),
    UrlCase(
        "bad date", "X-Amz-Date=20230428T000000Z", "X-Amz-Date=20230428T000000", "%Y%m%dT%H%M%SZ"
    ),
    UrlCase(
        "impossible date",
        "X-Amz-Date=20230428T000000Z",
        "X-Amz-Date=20230431T000000Z",
        "not a valid date",
    ),
    UrlCase("credential date mismatch", "%2F20230428%2F", "%2F20230427%2F", "date does not match"),
    UrlCase("credential service", "%2Fsts%2F", "%2Fs3%2F", "scope is not"),
    UrlCase("credential region", "%2Fus-west-2%2Fsts", "%2FUS-WEST-2%2Fsts", "is not a region"),
    UrlCase("credential too short", "%2Faws4_request", "", "is not <key>/<date>"),
    UrlCase(
        "non-canonical percent-encoding",
        "%2F20230428",
        "%2f20230428",
        "not canonically percent-encoded",
    ),
    UrlCase("unencoded slash", "%2F20230428", "/20230428", "not canonically percent-encoded"),
    UrlCase(
        "plus for space",
        "Action=GetCallerIdentity",
        "Action=GetCaller+Identity",
        "not canonically percent-encoded",
    ),
    UrlCase("empty query component", "&X-Amz-Date=", "&&X-Amz-Date=", "malformed query"),
    UrlCase("component without =", "&X-Amz-Date=", "&flag&X-Amz-Date=", "malformed query"),
]


@pytest.mark.parametrize("case", URL_CASES, ids=[case.name for case in URL_CASES])
def test_modified_url_is_rejected_with_the_failing_check(case: UrlCase) -> None:
    assert KAT_URL.count(case.old) == 1, case.old
    url = KAT_URL.replace(case.old, case.new)
    with pytest.raises(TokenRejected, match=re.escape(case.message)):
        verify_kat(encode_token(url))


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "does not start with"),
        ("k8s-aws-v2." + KAT_TOKEN.removeprefix("k8s-aws-v1."), "does not start with"),
        ("K8S-AWS-V1." + KAT_TOKEN.removeprefix("k8s-aws-v1."), "does not start with"),
        ("Bearer " + KAT_TOKEN, "does not start with"),
        (KAT_TOKEN.removeprefix("k8s-aws-v1."), "does not start with"),
        ("k8s-aws-v1.", "empty payload"),
        (KAT_TOKEN[:40] + "*" + KAT_TOKEN[41:], "not base64url"),
        (KAT_TOKEN[:40] + "+" + KAT_TOKEN[41:], "not base64url"),
        (KAT_TOKEN[:40] + "/" + KAT_TOKEN[41:], "not base64url"),
        (KAT_TOKEN[:40] + " " + KAT_TOKEN[41:], "not base64url"),
        (KAT_TOKEN + "\n", "not base64url"),
        (KAT_TOKEN + "AAA", "not base64url"),
        (KAT_TOKEN + "A", "non-printable"),
        (KAT_TOKEN[:-1] + "R", "not canonical base64url"),
        ("k8s-aws-v1." + base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(), "not UTF-8"),
        (encode_token("https://sts.amazonaws.com/?Action=\x00"), "non-printable"),
        (encode_token("not a url"), "absolute URL"),
        (encode_token("https://sts.us-west-2.amazonaws.com/"), "no query string"),
        (encode_token("https://sts.us-west-2.amazonaws.com/?"), "no query parameters"),
    ],
)
def test_malformed_tokens_are_rejected(token: str, message: str) -> None:
    with pytest.raises(TokenRejected, match=message):
        verify_kat(token)
    if not message.startswith(("absolute URL", "no query")):
        with pytest.raises(TokenRejected, match=message):
            decode_token(token)


def _byte_mutations(url: str) -> Iterator[tuple[str, str]]:
    substitutes = "Aa0Z9%&=/?#.-_~+ "
    for index, original in enumerate(url):
        for substitute in substitutes:
            if substitute != original:
                yield (
                    f"{index}:{original!r}->{substitute!r}",
                    (url[:index] + substitute + url[index + 1 :]),
                )
        yield f"{index}:delete {original!r}", url[:index] + url[index + 1 :]
        yield f"{index}:insert before {original!r}", url[:index] + "A" + url[index:]


def test_every_single_byte_change_to_the_url_is_rejected() -> None:
    accepted = []
    count = 0
    for description, mutated in _byte_mutations(KAT_URL):
        count += 1
        try:
            verify_kat(encode_token(mutated))
        except TokenRejected:
            continue
        accepted.append(description)
    assert count > 5000
    assert accepted == []


def test_rejection_messages_never_contain_the_secret() -> None:
    for secret in (KAT_SECRET, "wrong-secret"):
        with pytest.raises(TokenRejected) as caught:
            verify_kat(cluster_id="x", secrets={KAT_ACCESS_KEY_ID: secret})
        assert secret not in str(caught.value)


# -- EKS API double ------------------------------------------------------------------------

CLUSTER = "double-cluster"


def https_opener(ca_pem: str) -> urllib.request.OpenerDirector:
    context = ssl.create_default_context(cadata=ca_pem)
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, object]
    content_type: str


def call(
    double: EksApiDouble,
    path: str,
    *,
    token: str | None = None,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        double.url + path, data=body, method=method, headers=all_headers
    )
    try:
        with https_opener(double.ca_pem).open(request, timeout=30) as response:
            return Response(response.status, json.load(response), response.headers["Content-Type"])
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, json.load(error), error.headers["Content-Type"])


def alice_token(
    cluster: str = CLUSTER,
    *,
    region: str = "us-west-2",
    session_token: str | None = None,
    endpoint_url: str | None = None,
) -> str:
    return botocore_token(
        cluster,
        access_key_id=ALICE_KEY,
        secret=ALICE.secret,
        region=region,
        session_token=session_token,
        endpoint_url=endpoint_url,
    )


@pytest.fixture
def double() -> Iterator[EksApiDouble]:
    with EksApiDouble(cluster_id=CLUSTER, identities={ALICE_KEY: ALICE}) as running:
        yield running


def test_double_serves_authenticated_requests(double: EksApiDouble) -> None:
    token = alice_token(session_token=SESSION_TOKEN)

    version = call(double, "/version", token=token)
    namespaces = call(double, "/api/v1/namespaces?limit=500", token=token)

    assert version.status == 200
    assert version.content_type == "application/json"
    assert version.body["gitVersion"] == "v1.32.0"
    assert (version.body["major"], version.body["minor"]) == ("1", "32")
    assert namespaces.status == 200
    assert namespaces.body["kind"] == "NamespaceList"
    items = namespaces.body["items"]
    assert isinstance(items, list)
    assert [item["metadata"]["name"] for item in items] == ["default", "kube-system"]
    assert double.requests == [
        RequestRecord("GET", "/version", 200, ALICE.arn, None, arn=ALICE.arn),
        RequestRecord("GET", "/api/v1/namespaces", 200, ALICE.arn, None, arn=ALICE.arn),
    ]


def test_double_discovery_routes(double: EksApiDouble) -> None:
    token = alice_token()
    aggregated = {
        "Accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        "application/json"
    }
    api = call(double, "/api", token=token, headers=aggregated)
    apis = call(double, "/apis", token=token, headers=aggregated)
    core = call(double, "/api/v1", token=token)
    auth = call(double, "/apis/authentication.k8s.io/v1", token=token)

    assert (api.status, api.body["kind"], api.body["versions"]) == (200, "APIVersions", ["v1"])
    assert api.content_type == "application/json"
    assert apis.body["kind"] == "APIGroupList"
    assert "authentication.k8s.io/v1" in json.dumps(apis.body)
    assert core.body["kind"] == "APIResourceList"
    core_resources = core.body["resources"]
    assert isinstance(core_resources, list)
    assert {resource["name"] for resource in core_resources} == {"namespaces", "configmaps"}
    assert auth.body["groupVersion"] == "authentication.k8s.io/v1"
    assert auth.body["resources"] == [
        {
            "name": "selfsubjectreviews",
            "singularName": "selfsubjectreview",
            "namespaced": False,
            "kind": "SelfSubjectReview",
            "verbs": ["create"],
        }
    ]


def test_double_self_subject_review_returns_the_identity_arn(double: EksApiDouble) -> None:
    review = json.dumps(
        {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1", "metadata": {}}
    ).encode()
    response = call(
        double,
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        token=alice_token(),
        method="POST",
        body=review,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 201
    assert response.body["kind"] == "SelfSubjectReview"
    assert response.body["status"] == {
        "userInfo": {"username": ALICE.arn, "groups": ["system:authenticated"]}
    }


def test_double_rejects_a_token_for_another_cluster(double: EksApiDouble) -> None:
    response = call(double, "/version", token=alice_token("another-cluster"))
    assert response.status == 401
    assert response.body == UNAUTHORIZED_STATUS
    assert response.content_type == "application/json"
    [record] = double.requests
    assert (record.method, record.path, record.status, record.username) == (
        "GET",
        "/version",
        401,
        None,
    )
    assert record.reason is not None
    assert "signature mismatch" in record.reason


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing Authorization header"),
        ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, "not a bearer token"),
        ({"Authorization": "Bearer "}, "not a bearer token"),
        ({"Authorization": "Bearer k8s-aws-v1.!!!"}, "not base64url"),
        ({"Authorization": f"Bearer {KAT_TOKEN}"}, "token rejected"),
    ],
)
def test_double_rejects_requests_without_a_valid_bearer_token(
    double: EksApiDouble, headers: dict[str, str], reason: str
) -> None:
    response = call(double, "/api/v1/namespaces", headers=headers)
    assert response.status == 401
    assert response.body == UNAUTHORIZED_STATUS
    [record] = double.requests
    assert record.status == 401
    assert record.username is None
    assert record.reason is not None
    assert reason in record.reason


def test_double_unknown_path_and_method(double: EksApiDouble) -> None:
    token = alice_token()
    missing = call(double, "/api/v1/pods", token=token)
    wrong_method = call(double, "/version", token=token, method="DELETE")
    unauthenticated_missing = call(double, "/nope")

    assert missing.status == 404
    assert (missing.body["kind"], missing.body["reason"], missing.body["code"]) == (
        "Status",
        "NotFound",
        404,
    )
    assert wrong_method.status == 405
    assert unauthenticated_missing.status == 401
    assert [(r.path, r.status) for r in double.requests] == [
        ("/api/v1/pods", 404),
        ("/version", 405),
        ("/nope", 401),
    ]


def test_double_uses_the_now_callable_and_allowed_sts_hosts() -> None:
    clock = [KAT_NOW]
    identities = {KAT_ACCESS_KEY_ID: Identity("arn:aws:iam::123456789012:user/kat", KAT_SECRET)}
    with EksApiDouble(
        cluster_id=KAT_CLUSTER, identities=identities, now=lambda: clock[0]
    ) as running:
        assert call(running, "/version", token=KAT_TOKEN).status == 200
        clock[0] = KAT_SIGNED_AT + timedelta(minutes=16)
        assert call(running, "/version", token=KAT_TOKEN).status == 401
    assert running.requests[0].username == "arn:aws:iam::123456789012:user/kat"
    assert running.requests[1].reason is not None
    assert "expired" in running.requests[1].reason

    local_sts_token = alice_token(endpoint_url="http://127.0.0.1:5000", region="us-east-1")
    with EksApiDouble(
        cluster_id=CLUSTER, identities={ALICE_KEY: ALICE}, allowed_sts_hosts=["127.0.0.1:5000"]
    ) as local:
        assert call(local, "/version", token=local_sts_token).status == 200
        assert call(local, "/version", token=alice_token()).status == 401
    with EksApiDouble(cluster_id=CLUSTER, identities={ALICE_KEY: ALICE}) as public:
        assert call(public, "/version", token=local_sts_token).status == 401


def test_double_looks_identities_up_through_a_callable() -> None:
    known: dict[str, Identity] = {}
    looked_up: list[str] = []

    def lookup(access_key_id: str) -> Identity | None:
        looked_up.append(access_key_id)
        return known.get(access_key_id)

    token = botocore_token(
        CLUSTER, access_key_id=BOB_KEY, secret=BOB.secret, session_token=SESSION_TOKEN
    )
    with EksApiDouble(cluster_id=CLUSTER, identities=lookup) as running:
        assert call(running, "/version", token=token).status == 401
        known[BOB_KEY] = BOB
        assert call(running, "/version", token=token).status == 200
    assert looked_up == [BOB_KEY, BOB_KEY]
    assert [r.username for r in running.requests] == [None, BOB.arn]
    assert running.requests[0].reason is not None
    assert "unknown access key id" in running.requests[0].reason


def test_double_git_version_is_reported() -> None:
    with EksApiDouble(
        cluster_id=CLUSTER, identities={ALICE_KEY: ALICE}, git_version="v1.29.15-eks-abc1234"
    ) as running:
        body = call(running, "/version", token=alice_token()).body
    assert (body["major"], body["minor"], body["gitVersion"]) == ("1", "29", "v1.29.15-eks-abc1234")


def test_double_certificate_and_ca_data() -> None:
    with (
        EksApiDouble(cluster_id=CLUSTER, identities={}) as first,
        EksApiDouble(cluster_id=CLUSTER, identities={}) as second,
    ):
        assert first.url.startswith("https://127.0.0.1:")
        assert base64.b64decode(first.ca_data).decode() == first.ca_pem
        assert first.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
        assert first.ca_pem != second.ca_pem
        port = int(first.url.rsplit(":", 1)[1])

        for server_name in ("127.0.0.1", "localhost"):
            context = ssl.create_default_context(cadata=first.ca_pem)
            with (
                socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
                context.wrap_socket(raw, server_hostname=server_name) as tls,
            ):
                assert tls.version() in ("TLSv1.2", "TLSv1.3")

        wrong_ca = ssl.create_default_context(cadata=second.ca_pem)
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            pytest.raises(ssl.SSLCertVerificationError),
        ):
            wrong_ca.wrap_socket(raw, server_hostname="127.0.0.1")

        # The system trust store does not trust the per-instance CA.
        with pytest.raises(urllib.error.URLError):
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                first.url + "/version", timeout=10
            )


def test_double_port_refuses_connections_after_exit() -> None:
    running = EksApiDouble(cluster_id=CLUSTER, identities={ALICE_KEY: ALICE})
    with pytest.raises(RuntimeError):
        _ = running.url
    with running:
        port = int(running.url.rsplit(":", 1)[1])
        # Keep an idle keep-alive connection open across the exit.
        context = ssl.create_default_context(cadata=running.ca_pem)
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
        for _ in range(3):
            connection.request(
                "GET", "/version", headers={"Authorization": "Bearer " + alice_token()}
            )
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    try:
        with pytest.raises(RuntimeError):
            _ = running.url
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with pytest.raises((OSError, http.client.HTTPException)):
            connection.request("GET", "/version")
            connection.getresponse()
    finally:
        connection.close()
    assert len(running.requests) == 3


def test_double_handles_concurrent_requests(double: EksApiDouble) -> None:
    token = alice_token()
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            status = call(double, "/version", token=token).status
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 40
    assert len(double.requests) == 40


def test_double_writes_nothing_to_stderr_or_stdout(
    double: EksApiDouble, capfd: pytest.CaptureFixture[str]
) -> None:
    token = alice_token()
    call(double, "/version", token=token)
    call(double, "/version", token=token + "x")
    call(double, "/nope", token=token)
    # A client that connects and never completes the TLS handshake must not print either.
    port = int(double.url.rsplit(":", 1)[1])
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, suppress(OSError):
        raw.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        raw.recv(100)
    assert call(double, "/version", token=token).status == 200
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


def test_double_validates_its_arguments() -> None:
    with EksApiDouble(cluster_id=CLUSTER, identities={}) as running:
        assert running.url.startswith("https://127.0.0.1:")
    with pytest.raises(ValueError):
        EksApiDouble(cluster_id="", identities={})
    with pytest.raises(ValueError):
        EksApiDouble(cluster_id=CLUSTER, identities={}, git_version="latest")


# -- real kubectl against the double -----------------------------------------------------


def find_kubectl() -> Path:
    resolved = Path(os.path.realpath(require_tool("kubectl")))
    versioned = resolved.with_name("kubectl.1.33")
    return versioned if versioned.is_file() else resolved


def write_kubeconfig(path: Path, double: EksApiDouble, token: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "eks",
                "cluster": {"server": double.url, "certificate-authority-data": double.ca_data},
            }
        ],
        "users": [{"name": "eks-user", "user": {"token": token}}],
        "contexts": [{"name": "eks", "context": {"cluster": "eks", "user": "eks-user"}}],
        "current-context": "eks",
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    path.chmod(0o600)
    return path


KubectlRunner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def run_kubectl(tmp_path: Path) -> KubectlRunner:
    def run(kubectl: Path, kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
        return subprocess.run(
            [
                str(kubectl),
                "--kubeconfig",
                str(kubeconfig),
                "--cache-dir",
                str(tmp_path / "kube-cache"),
                "--request-timeout",
                "30s",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
            check=False,
        )

    return run


@pytest.mark.real
def test_kubectl_gets_namespaces_and_whoami(
    tmp_path: Path, double: EksApiDouble, run_kubectl: KubectlRunner
) -> None:
    kubectl = find_kubectl()
    kubeconfig = write_kubeconfig(
        tmp_path / "kubeconfig", double, alice_token(session_token=SESSION_TOKEN)
    )

    namespaces = run_kubectl(kubectl, kubeconfig, "get", "namespaces", "-o", "name")
    whoami = run_kubectl(
        kubectl, kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"
    )

    assert namespaces.returncode == 0, namespaces.stderr
    assert "namespace/default" in namespaces.stdout.splitlines()
    assert namespaces.stderr == ""
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout == ALICE.arn
    assert all(record.status < 400 for record in double.requests), double.requests
    assert {record.username for record in double.requests} == {ALICE.arn}


@pytest.mark.real
def test_kubectl_with_a_token_for_another_cluster_is_unauthorized(
    tmp_path: Path, double: EksApiDouble, run_kubectl: KubectlRunner
) -> None:
    kubectl = find_kubectl()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", double, alice_token("other-cluster"))

    whoami = run_kubectl(kubectl, kubeconfig, "auth", "whoami")
    namespaces = run_kubectl(kubectl, kubeconfig, "get", "namespaces", "-o", "name")

    # whoami decodes the 401 Status body, so kubectl prints its message, "Unauthorized".
    assert whoami.returncode != 0
    assert "error: You must be logged in to the server (Unauthorized)" in whoami.stderr
    assert whoami.stdout == ""
    # `get` fails first in discovery, where client-go (1.27 to 1.33 alike) reads the raw
    # body and reports a 401 with its own wording instead of the Status message.
    assert namespaces.returncode != 0
    assert re.search(
        r"error: You must be logged in to the server \((Unauthorized|the server has asked for "
        r"the client to provide credentials)\)",
        namespaces.stderr,
    ), namespaces.stderr
    assert namespaces.stdout == ""
    assert double.requests
    for record in double.requests:
        assert (record.status, record.username) == (401, None)
        assert record.reason is not None
        assert "signature mismatch" in record.reason


@pytest.mark.real
@pytest.mark.parametrize("minor", range(27, 34))
def test_each_versioned_kubectl_works_against_the_double(
    minor: int, tmp_path: Path, double: EksApiDouble, run_kubectl: KubectlRunner
) -> None:
    kubectl = Path(kubectl_binary(f"1.{minor}"))  # a failure under CI=true when missing
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", double, alice_token())

    namespaces = run_kubectl(kubectl, kubeconfig, "get", "namespaces", "-o", "name")
    whoami = run_kubectl(
        kubectl, kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"
    )

    assert namespaces.returncode == 0, namespaces.stderr
    assert namespaces.stdout.splitlines() == ["namespace/default", "namespace/kube-system"]
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout == ALICE.arn


# -- EKS API double: ConfigMaps, scripted answers, impersonation ------------------------------

CM_PATH = "/api/v1/namespaces/kube-system/configmaps"


def raw_call(
    double: EksApiDouble,
    method: str,
    path: str,
    *,
    token: str | None = None,
    headers: list[tuple[str, str]] | None = None,
    body: object = None,
    content_type: str = "application/json",
) -> tuple[int, object, str]:
    """One request with repeatable headers (urllib's take one value per name); the status, the
    decoded JSON (or the text) and the Content-Type."""
    port = int(double.url.rsplit(":", 1)[1])
    context = ssl.create_default_context(cadata=double.ca_pem)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        payload = body if isinstance(body, bytes) else None
        if body is not None and payload is None:
            payload = json.dumps(body).encode()
        connection.putrequest(method, path)
        all_headers = list(headers or [])
        if token is not None:
            all_headers.append(("Authorization", f"Bearer {token}"))
        if payload is not None:
            all_headers += [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
        for name, value in all_headers:
            connection.putheader(name, value)
        connection.endheaders(payload)
        response = connection.getresponse()
        text = response.read().decode()
        kind = response.headers.get("Content-Type", "")
        decoded = json.loads(text) if kind == "application/json" and text else text
        return response.status, decoded, kind
    finally:
        connection.close()


def cm(name: str = "aws-auth", **fields: object) -> dict[str, object]:
    metadata = {"name": name, **fields.pop("metadata", {})}  # type: ignore[dict-item]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, **fields}


def version_of(obj: object) -> str:
    assert isinstance(obj, dict)
    return str(obj["metadata"]["resourceVersion"])


def test_double_configmaps_are_created_read_and_listed(double: EksApiDouble) -> None:
    token = alice_token()
    empty = call(double, CM_PATH, token=token)
    status, created, _ = raw_call(
        double, "POST", CM_PATH, token=token, body=cm(data={"mapRoles": "- a\n"})
    )
    read = call(double, CM_PATH + "/aws-auth", token=token)
    listed = call(double, CM_PATH, token=token)
    other = call(double, "/api/v1/namespaces/default/configmaps", token=token)

    assert (empty.status, empty.body["items"]) == (200, [])
    assert status == 201
    assert isinstance(created, dict)
    metadata = created["metadata"]
    assert metadata["name"] == "aws-auth" and metadata["namespace"] == "kube-system"
    assert re.fullmatch(r"[0-9a-f-]{36}", metadata["uid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", metadata["creationTimestamp"])
    assert created["data"] == {"mapRoles": "- a\n"}
    assert read.status == 200 and read.body == created
    assert listed.body["kind"] == "ConfigMapList"
    assert listed.body["items"] == [created]
    assert listed.body["metadata"] == {"resourceVersion": version_of(created)}
    assert other.body["items"] == []
    assert double.configmap("kube-system", "aws-auth") == created
    assert double.configmap("default", "aws-auth") is None


@pytest.mark.parametrize(
    ("body", "status", "reason", "message"),
    [
        (b"{oops", 400, "BadRequest", "not a JSON object"),
        ([1], 400, "BadRequest", "not a JSON object"),
        (cm(kind="Secret"), 400, "BadRequest", "not a v1 ConfigMap"),
        (cm(apiVersion="v2"), 400, "BadRequest", "not a v1 ConfigMap"),
        (cm(metadata={"namespace": "default"}), 400, "BadRequest", "namespace of the provided"),
        ({"kind": "ConfigMap", "metadata": {}}, 422, "Invalid", "name or generateName"),
        (cm("Aws_Auth"), 422, "Invalid", "RFC 1123 subdomain"),
        (cm("a" * 254), 422, "Invalid", "RFC 1123 subdomain"),
        (cm(data={"bad key": "x"}), 422, "Invalid", "data[bad key]: Invalid value"),
        (cm(data={"k": 1}), 422, "Invalid", "data: Invalid value: not a map of strings"),
        (cm(data=["k"]), 422, "Invalid", "data: Invalid value: not a map of strings"),
        (cm(metadata={"labels": {"a": 1}}), 422, "Invalid", "metadata.labels"),
        (cm(data={"k": "a"}, binaryData={"k": "YQ=="}), 422, "Invalid", "duplicate of key"),
        (cm(immutable="yes"), 422, "Invalid", "immutable: Invalid value"),
    ],
)
def test_double_refuses_bad_configmaps(
    double: EksApiDouble, body: object, status: int, reason: str, message: str
) -> None:
    code, answer, _ = raw_call(double, "POST", CM_PATH, token=alice_token(), body=body)
    assert code == status
    assert isinstance(answer, dict)
    assert (answer["kind"], answer["reason"], answer["code"]) == ("Status", reason, status)
    assert message in answer["message"]
    assert double.configmap("kube-system", "aws-auth") is None


def test_double_create_conflicts_and_unknown_namespaces(double: EksApiDouble) -> None:
    token = alice_token()
    double.put_configmap("kube-system", "aws-auth", {})
    status, answer, _ = raw_call(double, "POST", CM_PATH, token=token, body=cm())
    assert status == 409
    assert isinstance(answer, dict)
    assert (answer["reason"], answer["message"]) == (
        "AlreadyExists",
        'configmaps "aws-auth" already exists',
    )
    for method in ("GET", "POST"):
        status, answer, _ = raw_call(
            double, method, "/api/v1/namespaces/nope/configmaps", token=token, body=cm()
        )
        assert status == 404
        assert isinstance(answer, dict) and answer["message"] == 'namespaces "nope" not found'


def test_double_put_has_resource_version_semantics(double: EksApiDouble) -> None:
    token = alice_token()
    path = CM_PATH + "/aws-auth"
    first = double.put_configmap("kube-system", "aws-auth", {"a": "1"}, labels={"x": "y"})
    created = double.configmap("kube-system", "aws-auth")
    assert created is not None

    status, updated, _ = raw_call(
        double,
        "PUT",
        path,
        token=token,
        body=cm(metadata={"resourceVersion": first, "labels": {"x": "z"}}, data={"a": "2"}),
    )
    stale, conflict, _ = raw_call(
        double, "PUT", path, token=token, body=cm(metadata={"resourceVersion": first})
    )
    unconditional, forced, _ = raw_call(double, "PUT", path, token=token, body=cm(data={"b": ""}))

    assert status == 200
    assert isinstance(updated, dict)
    assert int(version_of(updated)) == int(first) + 1
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]  # type: ignore[index]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]  # type: ignore[index]
    assert (updated["metadata"]["labels"], updated["data"]) == ({"x": "z"}, {"a": "2"})
    assert stale == 409
    assert isinstance(conflict, dict)
    assert conflict["reason"] == "Conflict"
    assert "the object has been modified" in conflict["message"]
    assert unconditional == 200
    assert isinstance(forced, dict)
    assert forced["data"] == {"b": ""} and "labels" not in forced["metadata"]


@pytest.mark.parametrize(
    ("name", "body", "status", "message"),
    [
        ("missing", cm("missing"), 404, 'configmaps "missing" not found'),
        ("aws-auth", cm("other"), 400, "does not match the name on the URL (aws-auth)"),
        ("aws-auth", cm(data={"k": 2}), 422, 'ConfigMap "aws-auth" is invalid'),
        ("aws-auth", b"[]", 400, "not a JSON object"),
    ],
)
def test_double_put_refusals(
    double: EksApiDouble, name: str, body: object, status: int, message: str
) -> None:
    double.put_configmap("kube-system", "aws-auth", {"k": "v"})
    code, answer, _ = raw_call(double, "PUT", f"{CM_PATH}/{name}", token=alice_token(), body=body)
    assert code == status
    assert isinstance(answer, dict) and message in answer["message"]
    assert double.configmap("kube-system", "aws-auth")["data"] == {"k": "v"}  # type: ignore[index]


def test_double_merge_patch(double: EksApiDouble) -> None:
    token = alice_token()
    path = CM_PATH + "/aws-auth"
    first = double.put_configmap("kube-system", "aws-auth", {"keep": "1", "drop": "2"})

    merged = raw_call(
        double,
        "PATCH",
        path,
        token=token,
        body={"data": {"drop": None, "add": "3"}, "metadata": {"labels": {"l": "v"}}},
        content_type="application/merge-patch+json",
    )
    strategic = raw_call(
        double,
        "PATCH",
        path,
        token=token,
        body={"data": {"more": "4"}},
        content_type="application/strategic-merge-patch+json; charset=utf-8",
    )
    stale = raw_call(
        double,
        "PATCH",
        path,
        token=token,
        body={"metadata": {"resourceVersion": first}, "data": {"x": "y"}},
        content_type="application/merge-patch+json",
    )

    assert merged[0] == 200
    assert isinstance(merged[1], dict)
    assert merged[1]["data"] == {"keep": "1", "add": "3"}
    assert merged[1]["metadata"]["labels"] == {"l": "v"}
    assert strategic[0] == 200
    assert isinstance(strategic[1], dict)
    assert strategic[1]["data"] == {"keep": "1", "add": "3", "more": "4"}
    assert stale[0] == 409
    current = version_of(strategic[1])
    matching = raw_call(
        double,
        "PATCH",
        path,
        token=token,
        body={"metadata": {"resourceVersion": current}, "data": None},
        content_type="application/merge-patch+json",
    )
    assert matching[0] == 200
    assert isinstance(matching[1], dict) and "data" not in matching[1]


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status", "message"),
    [
        ("aws-auth", {"data": {}}, "application/json-patch+json", 415, "unknown format"),
        ("aws-auth", b"nope", "application/merge-patch+json", 400, "not a JSON object"),
        ("aws-auth", {"metadata": {"name": "x"}}, "application/merge-patch+json", 422, "immutable"),
        ("aws-auth", {"data": {"k": 1}}, "application/merge-patch+json", 422, "is invalid"),
        ("gone", {"data": {}}, "application/merge-patch+json", 404, "not found"),
    ],
)
def test_double_patch_refusals(
    double: EksApiDouble,
    path: str,
    body: object,
    content_type: str,
    status: int,
    message: str,
) -> None:
    double.put_configmap("kube-system", "aws-auth", {"k": "v"})
    code, answer, _ = raw_call(
        double, "PATCH", f"{CM_PATH}/{path}", token=alice_token(), body=body,
        content_type=content_type,
    )  # fmt: skip
    assert code == status
    assert isinstance(answer, dict) and message in answer["message"]


def test_double_delete_head_and_methods(double: EksApiDouble) -> None:
    token = alice_token()
    path = CM_PATH + "/aws-auth"
    double.put_configmap("kube-system", "aws-auth", {})
    uid = double.configmap("kube-system", "aws-auth")["metadata"]["uid"]  # type: ignore[index]

    head = raw_call(double, "HEAD", path, token=token)
    wrong_item = raw_call(double, "POST", path, token=token, body=cm())
    wrong_collection = raw_call(double, "PUT", CM_PATH, token=token, body=cm())
    deleted = raw_call(double, "DELETE", path, token=token)
    again = raw_call(double, "DELETE", path, token=token)

    assert head[0] == 200 and head[1] == ""
    assert (wrong_item[0], wrong_collection[0]) == (405, 405)
    assert deleted[0] == 200
    assert isinstance(deleted[1], dict)
    assert deleted[1]["status"] == "Success"
    assert deleted[1]["details"] == {"name": "aws-auth", "kind": "configmaps", "uid": uid}
    assert again[0] == 404
    assert double.configmap("kube-system", "aws-auth") is None


def test_double_resource_versions_are_one_revision_for_the_store(double: EksApiDouble) -> None:
    versions = [
        double.put_configmap("kube-system", "a", {}),
        double.put_configmap("default", "b", {}),
        double.put_configmap("kube-system", "a", {"x": ""}),
    ]
    assert [int(v) for v in versions] == [2, 3, 4]
    listed = call(double, CM_PATH, token=alice_token()).body
    assert listed["metadata"] == {"resourceVersion": "4"}


def test_double_helpers_check_and_copy(double: EksApiDouble) -> None:
    with pytest.raises(ValueError, match="no namespace 'nope'"):
        double.put_configmap("nope", "a", {})
    with pytest.raises(ValueError, match="RFC 1123"):
        double.put_configmap("default", "A", {})
    double.put_configmap("default", "a", {"k": "v"}, annotations={"n": "1"})
    copy = double.configmap("default", "a")
    assert copy is not None
    assert copy["metadata"]["annotations"] == {"n": "1"}  # type: ignore[index]
    copy["data"] = {}
    assert double.configmap("default", "a")["data"] == {"k": "v"}  # type: ignore[index]


def test_double_scripted_answers(double: EksApiDouble) -> None:
    token = alice_token()
    path = CM_PATH + "/aws-auth"
    double.answer(409, methods=["post", "put"], times=2)
    double.answer(403, path=path, methods=["GET"])
    double.answer(200, path="/version", body={"gitVersion": "scripted"}, times=1)
    double.answer(503, path="/livez", body=b"not ready")

    posts = [raw_call(double, "POST", CM_PATH, token=token, body=cm())[0] for _ in range(3)]
    forbidden = [call(double, path, token=token) for _ in range(2)]
    version = [call(double, "/version", token=token).body["gitVersion"] for _ in range(2)]
    text = raw_call(double, "GET", "/livez", token=token)
    unauthenticated = call(double, path)

    assert posts == [409, 409, 201]
    assert [f.status for f in forbidden] == [403, 403]
    assert forbidden[0].body["reason"] == "Forbidden"
    assert f'User "{ALICE.arn}" cannot get {path}' in str(forbidden[0].body["message"])
    assert version == ["scripted", "v1.32.0"]
    assert text == (503, "not ready", "text/plain; charset=utf-8")
    assert unauthenticated.status == 401  # scripts answer only authenticated requests
    scripted = [r for r in double.requests if r.reason and r.reason.startswith("scripted")]
    assert [r.status for r in scripted] == [409, 409, 403, 403, 200, 503]
    assert {(r.username, r.arn) for r in scripted} == {(ALICE.arn, ALICE.arn)}


def test_double_scripted_401_and_messages(double: EksApiDouble) -> None:
    double.answer(401, times=1, message="who are you")
    double.answer(418)
    first = call(double, "/version", token=alice_token())
    second = call(double, "/version", token=alice_token())
    assert (first.status, first.body["message"], first.body["reason"]) == (
        401,
        "who are you",
        "Unauthorized",
    )
    assert (second.status, second.body["reason"]) == (418, "Unknown")
    assert (double.requests[0].username, double.requests[0].arn) == (None, ALICE.arn)
    with pytest.raises(ValueError, match="times"):
        double.answer(409, times=0)
    with pytest.raises(ValueError, match="not an HTTP status"):
        double.answer(99)


def test_double_records_impersonation_and_serves_it_in_whoami(double: EksApiDouble) -> None:
    headers = [
        ("Impersonate-User", "alice@example.com"),
        ("Impersonate-Group", "system:masters"),
        ("Impersonate-Group", "eks:admins"),
    ]
    review = {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1"}
    token = alice_token()
    status, body, _ = raw_call(
        double,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        token=token,
        headers=headers,
        body=review,
    )
    raw_call(double, "GET", CM_PATH, headers=headers)  # unauthenticated: recorded too
    raw_call(double, "GET", CM_PATH, token=token)

    assert status == 201
    assert isinstance(body, dict)
    assert body["status"]["userInfo"] == {
        "username": "alice@example.com",
        "groups": ["system:masters", "eks:admins", "system:authenticated"],
    }
    assert [(r.impersonate_user, r.impersonate_groups, r.arn) for r in double.requests] == [
        ("alice@example.com", ("system:masters", "eks:admins"), ALICE.arn),
        ("alice@example.com", ("system:masters", "eks:admins"), None),
        (None, (), ALICE.arn),
    ]
    assert token not in repr(double.requests)
    assert "k8s-aws-v1" not in repr(double.requests)


@pytest.mark.real
def test_kubectl_creates_patches_and_reads_configmaps_in_the_double(
    tmp_path: Path, double: EksApiDouble, run_kubectl: KubectlRunner
) -> None:
    kubectl = Path(kubectl_binary("1.33"))
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", double, alice_token())
    ns = ["-n", "kube-system"]

    manifest = tmp_path / "aws-auth.json"
    manifest.write_text(json.dumps(cm(data={"mapRoles": "[]"})))
    # `kubectl create configmap` sends protobuf, which the double does not speak (415);
    # manifests go as JSON.
    protobuf = run_kubectl(
        kubectl, kubeconfig, "create", "configmap", "aws-auth", "--from-literal=mapRoles=[]", *ns
    )
    created = run_kubectl(
        kubectl, kubeconfig, "create", "-f", str(manifest), "--validate=false", *ns
    )
    patched = run_kubectl(
        kubectl, kubeconfig, "patch", "configmap", "aws-auth", *ns, "--type", "merge",
        "-p", '{"data": {"mapUsers": "[]"}}',
    )  # fmt: skip
    read = run_kubectl(kubectl, kubeconfig, "get", "configmap", "aws-auth", *ns, "-o", "json")
    listed = run_kubectl(kubectl, kubeconfig, "get", "configmaps", *ns, "-o", "name")

    assert protobuf.returncode != 0
    assert "unknown format" in protobuf.stderr or "415" in protobuf.stderr, protobuf.stderr
    assert created.returncode == 0, created.stderr
    assert patched.returncode == 0, patched.stderr
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["data"] == {"mapRoles": "[]", "mapUsers": "[]"}
    assert listed.stdout.split() == ["configmap/aws-auth"]
    writes = [(r.method, r.status) for r in double.requests if r.method in ("POST", "PATCH")]
    assert writes == [("POST", 415), ("POST", 201), ("PATCH", 200)]


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_double_takes_configmaps_as_json_only(double: EksApiDouble, method: str) -> None:
    double.put_configmap("kube-system", "aws-auth", {})
    path = CM_PATH if method == "POST" else CM_PATH + "/aws-auth"
    status, answer, _ = raw_call(
        double,
        method,
        path,
        token=alice_token(),
        body=b"\x0a\x02k8s",
        content_type="application/vnd.kubernetes.protobuf",
    )
    assert status == 415
    assert isinstance(answer, dict) and answer["reason"] == "UnsupportedMediaType"
