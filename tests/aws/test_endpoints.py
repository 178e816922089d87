from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import parse_qs, urlsplit

import botocore
import botocore.config
import botocore.exceptions
import botocore.loaders
import botocore.session
import pytest

from eks_tf_auth.aws.config import AwsSettings
from eks_tf_auth.aws.endpoints import Endpoint, resolve_endpoint
from eks_tf_auth.errors import InputError
from eks_tf_auth.validate import region as validate_region

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

# `eks_tf_auth.sts` against botocore: the STS host, URL and signing region for every setting.
#
# botocore is the oracle: for each region and setting a real botocore client presigns
# `GetCallerIdentity`, and the host it signed for and the region in its credential scope must be
# what `resolve_endpoint` returns.

# One listed region or more from every partition, plus regions that no partition lists but whose
# name matches a partition's regionRegex (botocore then builds the endpoint from the pattern).
LISTED_REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-5",
    "il-central-1",
    "mx-central-1",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "eusc-de-east-1",
)
UNLISTED_REGIONS = (
    "ap-future-9",
    "cn-future-9",
    "us-gov-future-1",
    "eusc-de-future-1",
    "zz-north-7",
)
MATRIX_REGIONS = LISTED_REGIONS + UNLISTED_REGIONS
MODES = ("regional", "legacy")

# botocore (1.44) refuses dual-stack here: its endpoints.json gives the aws-iso-e and aws-iso-f
# partitions no "dualstack" variant, so the client raises EndpointVariantError before the STS rule
# set (which, from partitions.json, would answer sts[-fips].<region>.<dualStackDnsSuffix>) runs.
# `resolve_endpoint` returns the rule set's host instead of refusing. Strict: once either side
# changes, the xfail turns into a failure and this set must be updated.
DUALSTACK_REFUSED_BY_BOTOCORE = frozenset({"eu-isoe-west-1", "us-isof-south-1"})


@dataclass(frozen=True)
class Signed:
    """What botocore signed: the Host, the credential scope's region and the URL before `?`."""

    host: str
    signing_region: str
    base_url: str  # scheme://host plus any path, without the trailing slash


@dataclass(frozen=True)
class Refused:
    error: str


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS_* variable and no readable config or credentials file from this machine."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-such-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-such-credentials"))


@cache
def _loader() -> botocore.loaders.Loader:
    """One data loader for all the sessions: it only caches botocore's JSON (10x faster)."""
    return botocore.loaders.create_loader()


def botocore_signs(
    region: str,
    *,
    fips: bool = False,
    dualstack: bool = False,
    mode: str = "regional",
) -> Signed | Refused:
    """botocore's presigned GetCallerIdentity for these settings (an endpoint URL comes from the
    environment, as `aws eks get-token` would read it)."""
    session = botocore.session.Session()
    session.register_component("data_loader", _loader())
    session.set_credentials("AKIDEXAMPLE", "secret")
    session.set_config_variable("sts_regional_endpoints", mode)
    config = botocore.config.Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack)
    try:
        client = cast("STSClient", session.create_client("sts", region_name=region, config=config))
        url = client.generate_presigned_url("get_caller_identity")
    except (botocore.exceptions.BotoCoreError, ValueError) as e:
        return Refused(f"{type(e).__name__}: {e}")
    parts = urlsplit(url)
    (credential,) = parse_qs(parts.query)["X-Amz-Credential"]
    return Signed(
        host=parts.netloc,
        signing_region=credential.split("/")[2],
        base_url=f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/"),
    )


def settings(
    *,
    fips: bool = False,
    dualstack: bool = False,
    mode: str = "regional",
    url: str | None = None,
) -> AwsSettings:
    return AwsSettings(
        profile=None,
        region=None,
        sts_regional_endpoints=mode,
        use_fips_endpoint=fips,
        use_dualstack_endpoint=dualstack,
        sts_endpoint_url=url,
    )


def _matrix() -> list[object]:
    cases: list[object] = []
    for region, fips, dualstack, mode in itertools.product(
        MATRIX_REGIONS, (False, True), (False, True), MODES
    ):
        case_id = "-".join(
            [region, "fips" if fips else "nofips", "dualstack" if dualstack else "ipv4", mode]
        )
        marks = []
        if dualstack and region in DUALSTACK_REFUSED_BY_BOTOCORE:
            marks.append(
                pytest.mark.xfail(
                    reason="botocore refuses dual-stack in aws-iso-e/aws-iso-f (EndpointVariant"
                    "Error); resolve_endpoint returns sts[-fips].<region>.<dualStackDnsSuffix>",
                    raises=pytest.fail.Exception,
                    strict=True,
                )
            )
        cases.append(pytest.param(region, fips, dualstack, mode, id=case_id, marks=marks))
    return cases


@pytest.mark.parametrize(("region", "fips", "dualstack", "mode"), _matrix())
def test_endpoint_matches_botocore(region: str, fips: bool, dualstack: bool, mode: str) -> None:
    expected = botocore_signs(region, fips=fips, dualstack=dualstack, mode=mode)
    ours = settings(fips=fips, dualstack=dualstack, mode=mode)
    if isinstance(expected, Refused):
        with pytest.raises(InputError):
            resolve_endpoint(region, ours)
        return
    endpoint = resolve_endpoint(region, ours)
    assert endpoint.host == expected.host
    assert endpoint.url == "https://" + expected.host == expected.base_url
    assert endpoint.signing_region == expected.signing_region


def test_matrix_exercises_every_branch() -> None:
    """The matrix is only worth its cost if botocore's answers differ along every axis."""
    hosts = {
        (fips, dualstack, mode): botocore_signs(
            "us-east-1", fips=fips, dualstack=dualstack, mode=mode
        )
        for fips, dualstack, mode in itertools.product((False, True), (False, True), MODES)
    }
    assert hosts[False, False, "legacy"] == Signed(
        "sts.amazonaws.com", "us-east-1", "https://sts.amazonaws.com"
    )
    assert len({h for h in hosts.values() if isinstance(h, Signed)}) == 5
    gov = botocore_signs("us-gov-west-1", fips=True)
    assert isinstance(gov, Signed)
    assert gov.host == "sts.us-gov-west-1.amazonaws.com"  # GovCloud: FIPS is the regional host


@pytest.mark.parametrize("region", ["us-west-2", "us-east-1", "ap-southeast-5", "cn-north-1"])
def test_legacy_mode_sends_only_the_legacy_regions_to_the_global_endpoint(region: str) -> None:
    endpoint = resolve_endpoint(region, settings(mode="legacy"))
    if region in ("us-west-2", "us-east-1"):
        assert endpoint == Endpoint("https://sts.amazonaws.com", "sts.amazonaws.com", "us-east-1")
    else:
        assert endpoint.host.startswith(f"sts.{region}.")
        assert endpoint.signing_region == region


CUSTOM_URLS = [
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000", "127.0.0.1:5000"),
    ("http://127.0.0.1:5000/", "http://127.0.0.1:5000", "127.0.0.1:5000"),
    ("https://sts.example.com/prefix", "https://sts.example.com/prefix", "sts.example.com"),
    ("https://sts.example.com/a/b/", "https://sts.example.com/a/b", "sts.example.com"),
    (
        "https://vpce-0abc-1234.sts.us-west-2.vpce.amazonaws.com",
        "https://vpce-0abc-1234.sts.us-west-2.vpce.amazonaws.com",
        "vpce-0abc-1234.sts.us-west-2.vpce.amazonaws.com",
    ),
]


@pytest.mark.parametrize(("configured", "url", "host"), CUSTOM_URLS)
@pytest.mark.parametrize("region", ["us-west-2", "us-east-1", "cn-north-1", "us-gov-west-1"])
def test_custom_endpoint(
    monkeypatch: pytest.MonkeyPatch, configured: str, url: str, host: str, region: str
) -> None:
    endpoint = resolve_endpoint(region, settings(url=configured))
    assert endpoint == Endpoint(url, host, region)

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", configured)
    assert botocore_signs(region) == Signed(host, region, url)


@pytest.mark.parametrize(
    ("fips", "dualstack", "mode"),
    [(True, False, "regional"), (False, True, "regional"), (True, True, "legacy")],
)
def test_custom_endpoint_wins_over_fips_dualstack_and_legacy(
    monkeypatch: pytest.MonkeyPatch, fips: bool, dualstack: bool, mode: str
) -> None:
    configured = "http://127.0.0.1:5000"
    ours = resolve_endpoint("us-east-1", settings(fips=fips, dualstack=dualstack, mode=mode))
    assert ours.host != "127.0.0.1:5000"  # these settings alone do move the endpoint

    custom = settings(fips=fips, dualstack=dualstack, mode=mode, url=configured)
    endpoint = resolve_endpoint("us-east-1", custom)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", configured)
    expected = botocore_signs("us-east-1", fips=fips, dualstack=dualstack, mode=mode)
    assert expected == Signed("127.0.0.1:5000", "us-east-1", configured)
    assert (endpoint.host, endpoint.signing_region, endpoint.url) == (
        expected.host,
        expected.signing_region,
        expected.base_url,
    )


@pytest.mark.parametrize(
    "configured",
    ["ftp://x", "not a url", "https://", "http:///path", "127.0.0.1:5000", "file:///etc/passwd"],
)
def test_invalid_custom_endpoint(configured: str) -> None:
    with pytest.raises(InputError) as raised:
        resolve_endpoint("us-west-2", settings(url=configured))
    assert repr(configured) in raised.value.message
    assert "\n" not in raised.value.message


def test_empty_custom_endpoint_means_none() -> None:
    assert resolve_endpoint("us-west-2", settings(url="")) == resolve_endpoint(
        "us-west-2", settings()
    )


@pytest.mark.parametrize("region", MATRIX_REGIONS)
def test_validate_region_accepts_matrix_regions(region: str) -> None:
    assert validate_region(region) == region


def _botocore_partition_regions() -> list[str]:
    path = Path(os.path.dirname(botocore.__file__)) / "data" / "partitions.json"
    partitions = json.loads(path.read_text(encoding="utf-8"))["partitions"]
    # "aws-global", "aws-cn-global", ...: pseudo-regions, not something to pass as --region.
    return sorted(r for p in partitions for r in p["regions"] if not r.endswith("-global"))


def _accepted(region: str) -> bool:
    try:
        validate_region(region)
    except InputError:
        return False
    return True


def test_validate_region_accepts_every_region_botocore_lists() -> None:
    regions = _botocore_partition_regions()
    assert len(regions) > 30
    assert [r for r in regions if not _accepted(r)] == []


@pytest.mark.parametrize(
    "region",
    [
        "",
        "US-WEST-2",
        "us-west",
        "us-west-2; rm",
        "../x",
        "us-west-2 ",
        " us-west-2",
        "us-west-2/",
        "us-west-2.evil.com",
        "sts.amazonaws.com",
        "us_west_2",
        "us-west-123",
        "aws-global",
        "us-west-2\n",
    ],
)
def test_validate_region_rejects(region: str) -> None:
    with pytest.raises(InputError) as raised:
        validate_region(region)
    assert raised.value.message == f"invalid region {region!r}"


def test_resolve_endpoint_settings_other_than_endpoint_ones_do_not_matter() -> None:
    base = settings(fips=True, dualstack=False, mode="regional")
    other = replace(base, profile="dev", region="eu-west-1")
    assert resolve_endpoint("us-west-2", base) == resolve_endpoint("us-west-2", other)


@pytest.mark.parametrize("url", ["https://[::1", "https://user:pw@sts.example.com"])
def test_an_endpoint_url_that_cannot_be_signed_for_is_refused(url: str) -> None:
    with pytest.raises(InputError) as caught:
        resolve_endpoint("us-west-2", AwsSettings(None, None, "regional", False, False, url))
    assert "pw" not in caught.value.message
