from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import botocore.config
import botocore.exceptions
import botocore.loaders
import botocore.session
import pytest

from eks_tf_auth.aws.config import AwsSettings, load_settings
from eks_tf_auth.aws.endpoints import resolve_endpoint
from eks_tf_auth.errors import InputError

# `eks_tf_auth.awsconfig` against botocore: same config file and environment, same settings.
#
# Each scenario writes a real config file (and maybe a credentials file) under tmp_path, sets the
# environment with monkeypatch after clearing every AWS_* variable, and compares
# `load_settings(os.environ, profile=flag)` with what a botocore session for that profile resolves.
# Every scenario also pins part of botocore's answer, so that a scenario whose files or variables
# never reach botocore fails instead of comparing two defaults.

CLIENT_REGION = "us-west-2"  # the region both sides build an STS endpoint for
DEFAULT_ENDPOINT = f"https://sts.{CLIENT_REGION}.amazonaws.com"
LOCAL = "http://127.0.0.1:4566"


@dataclass(frozen=True)
class Seen:
    """The settings, normalised the way `load_settings` normalises them."""

    profile: str | None
    region: str | None
    sts_regional_endpoints: str
    use_fips_endpoint: bool
    use_dualstack_endpoint: bool
    sts_endpoint_url: str | None  # a configured endpoint URL, None for AWS's own
    endpoint: str  # the STS URL for CLIENT_REGION that these settings lead to


@dataclass(frozen=True)
class Refused:
    """The configuration was rejected (the reason is kept for the failure report only)."""

    error: str = field(compare=False)


@dataclass(frozen=True)
class Files:
    home: Path
    config: Path
    credentials: Path


@dataclass(frozen=True)
class Scenario:
    config: str | None  # the config file's text; None: there is no config file
    env: Mapping[str, str] = field(default_factory=dict)
    flag: str | None = None  # --profile
    credentials: str | None = None  # the credentials file's text
    others: Mapping[str, str] = field(default_factory=dict)  # more files: path under tmp -> text
    expect: Mapping[str, Any] = field(default_factory=dict)  # fields botocore must answer
    refused: bool = False  # botocore must reject the configuration


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Files:
    """No AWS_* variable; HOME, the config file and the credentials file all under tmp_path."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    result = Files(home, tmp_path / "config", tmp_path / "credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(result.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(result.credentials))
    return result


def arrange(files: Files, monkeypatch: pytest.MonkeyPatch, scenario: Scenario) -> None:
    """Write the scenario's files and set its variables; `{tmp}` stands for tmp_path."""
    tmp = str(files.config.parent)
    if scenario.config is not None:
        files.config.write_text(scenario.config.replace("{tmp}", tmp), encoding="utf-8")
    if scenario.credentials is not None:
        files.credentials.write_text(scenario.credentials, encoding="utf-8")
    for relative, text in scenario.others.items():
        path = files.config.parent / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name, value in scenario.env.items():
        monkeypatch.setenv(name, value.replace("{tmp}", tmp))


@cache
def _loader() -> botocore.loaders.Loader:
    """One data loader for all the sessions: it only caches botocore's JSON models."""
    return botocore.loaders.create_loader()


def _sts_url(session: botocore.session.Session, **config: Any) -> str:
    client = session.create_client(
        "sts",
        region_name=CLIENT_REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(**config),
    )
    return str(client.meta.endpoint_url).rstrip("/")


def botocore_sees(flag: str | None) -> Seen | Refused:
    session = botocore.session.Session(profile=flag)
    session.register_component("data_loader", _loader())
    try:
        region = session.get_config_variable("region")
        mode = session.get_config_variable("sts_regional_endpoints")
        fips = session.get_config_variable("use_fips_endpoint")
        dualstack = session.get_config_variable("use_dualstack_endpoint")
        endpoint = _sts_url(session)
        # The same client with configured endpoint URLs ignored: where the two differ, the first
        # one is a configured URL.
        aws_endpoint = _sts_url(session, ignore_configured_endpoint_urls=True)
    except (botocore.exceptions.BotoCoreError, ValueError) as e:
        return Refused(f"{type(e).__name__}: {e}")
    return Seen(
        profile=session.profile or None,
        region=region or None,
        # botocore's own normalisation (args.py): unset or empty means "regional".
        sts_regional_endpoints=mode or "regional",
        use_fips_endpoint=bool(fips),  # None when unset
        use_dualstack_endpoint=bool(dualstack),
        sts_endpoint_url=endpoint if endpoint != aws_endpoint else None,
        endpoint=endpoint,
    )


def ours_sees(flag: str | None) -> Seen | Refused:
    try:
        settings = load_settings(os.environ, profile=flag)
        endpoint = resolve_endpoint(CLIENT_REGION, settings).url
    except InputError as e:
        return Refused(e.message)
    return Seen(
        profile=settings.profile,
        region=settings.region,
        sts_regional_endpoints=settings.sts_regional_endpoints,
        use_fips_endpoint=settings.use_fips_endpoint,
        use_dualstack_endpoint=settings.use_dualstack_endpoint,
        sts_endpoint_url=settings.sts_endpoint_url,
        endpoint=endpoint,
    )


def botocore_answer(
    files: Files, monkeypatch: pytest.MonkeyPatch, scenario: Scenario
) -> Seen | Refused:
    """Arrange the scenario and return botocore's answer, checked against the scenario's pins.

    A pin that does not hold is a broken scenario, not a disagreement: it fails with
    `pytest.fail`, which an `xfail(raises=AssertionError)` does not absorb.
    """
    arrange(files, monkeypatch, scenario)
    answer = botocore_sees(scenario.flag)
    if isinstance(answer, Refused) != scenario.refused:
        pytest.fail(f"botocore {'accepted' if scenario.refused else 'refused'}: {answer}")
    for name, value in scenario.expect.items():
        if getattr(answer, name) != value:
            pytest.fail(f"botocore's {name} is not {value!r}: {answer}")
    return answer


DEV_AND_OPS = """\
[default]
region = eu-west-1

[profile dev]
region = ap-southeast-5

[profile ops]
region = ca-central-1

[profile cli]
region = sa-east-1
"""
ALL_ENDPOINTS = f"""\
[default]
endpoint_url = http://profile.example:1
services = local

[services local]
sts =
  endpoint_url = {LOCAL}
"""

SCENARIOS: dict[str, Scenario] = {
    # Files and profiles
    "no-config-file": Scenario(
        None, expect={"region": None, "endpoint": DEFAULT_ENDPOINT, "profile": None}
    ),
    "empty-config-file": Scenario("", expect={"region": None}),
    "default-region": Scenario("[default]\nregion = eu-west-1\n", expect={"region": "eu-west-1"}),
    "comments-blank-lines-and-key-case": Scenario(
        "# a comment\n; another\n\n[default]\n# region = us-east-1\nRegion = eu-west-1\n\n",
        expect={"region": "eu-west-1"},
    ),
    "tilde-in-AWS_CONFIG_FILE": Scenario(
        None,
        env={"AWS_CONFIG_FILE": "~/aws-config", "HOME": "{tmp}"},
        others={"aws-config": "[default]\nregion = eu-central-1\n"},
        expect={"region": "eu-central-1"},
    ),
    "AWS_PROFILE": Scenario(
        DEV_AND_OPS, env={"AWS_PROFILE": "dev"}, expect={"region": "ap-southeast-5"}
    ),
    "AWS_DEFAULT_PROFILE-beats-AWS_PROFILE": Scenario(
        DEV_AND_OPS,
        env={"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "ops"},
        expect={"region": "ca-central-1", "profile": "ops"},
    ),
    "flag-beats-both": Scenario(
        DEV_AND_OPS,
        env={"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "ops"},
        flag="cli",
        expect={"region": "sa-east-1", "profile": "cli"},
    ),
    "flag-default-beats-AWS_PROFILE": Scenario(
        DEV_AND_OPS, env={"AWS_PROFILE": "dev"}, flag="default", expect={"region": "eu-west-1"}
    ),
    "named-profile-does-not-inherit-default": Scenario(
        "[default]\nregion = eu-west-1\nuse_fips_endpoint = true\n[profile bare]\n",
        env={"AWS_PROFILE": "bare"},
        expect={"region": None, "use_fips_endpoint": False},
    ),
    "profile-default-header": Scenario(
        "[profile default]\nregion = eu-west-1\n", expect={"region": "eu-west-1"}
    ),
    "profile-default-header-with-flag": Scenario(
        "[profile default]\nregion = eu-west-1\n", flag="default", expect={"region": "eu-west-1"}
    ),
    "profile-default-header-after-default": Scenario(
        "[default]\nregion = us-east-2\n[profile default]\nregion = eu-west-1\n",
        expect={"region": "eu-west-1"},
    ),
    "default-header-with-flag": Scenario(
        "[default]\nregion = eu-west-1\n", flag="default", expect={"region": "eu-west-1"}
    ),
    "profile-only-in-credentials-file": Scenario(
        "[default]\nregion = eu-west-1\n",
        env={"AWS_PROFILE": "creds"},
        credentials="[creds]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n",
        expect={"region": None, "profile": "creds"},
    ),
    # Region
    "AWS_DEFAULT_REGION-beats-the-file": Scenario(
        "[default]\nregion = eu-west-1\n",
        env={"AWS_DEFAULT_REGION": "us-east-2"},
        expect={"region": "us-east-2"},
    ),
    "AWS_DEFAULT_REGION-beats-the-profile": Scenario(
        DEV_AND_OPS,
        env={"AWS_DEFAULT_REGION": "us-east-2", "AWS_PROFILE": "dev"},
        expect={"region": "us-east-2"},
    ),
    "empty-region-in-file": Scenario("[default]\nregion =\n", expect={"region": None}),
    # sts_regional_endpoints
    "sts-legacy-from-env": Scenario(
        None,
        env={"AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
        expect={"sts_regional_endpoints": "legacy", "endpoint": "https://sts.amazonaws.com"},
    ),
    "sts-legacy-from-file": Scenario(
        "[default]\nsts_regional_endpoints = legacy\n",
        expect={"sts_regional_endpoints": "legacy", "endpoint": "https://sts.amazonaws.com"},
    ),
    "sts-env-regional-beats-file-legacy": Scenario(
        "[default]\nsts_regional_endpoints = legacy\n",
        env={"AWS_STS_REGIONAL_ENDPOINTS": "regional"},
        expect={"sts_regional_endpoints": "regional", "endpoint": DEFAULT_ENDPOINT},
    ),
    "sts-legacy-in-the-named-profile-only": Scenario(
        "[default]\nsts_regional_endpoints = regional\n"
        "[profile dev]\nsts_regional_endpoints = legacy\n",
        env={"AWS_PROFILE": "dev"},
        expect={"sts_regional_endpoints": "legacy"},
    ),
    # FIPS and dual-stack
    "fips-from-file": Scenario(
        "[default]\nuse_fips_endpoint = true\n",
        expect={"use_fips_endpoint": True, "endpoint": "https://sts-fips.us-west-2.amazonaws.com"},
    ),
    "fips-from-file-any-case": Scenario(
        "[default]\nuse_fips_endpoint = TRUE\n", expect={"use_fips_endpoint": True}
    ),
    "fips-env-false-beats-file-true": Scenario(
        "[default]\nuse_fips_endpoint = true\n",
        env={"AWS_USE_FIPS_ENDPOINT": "false"},
        expect={"use_fips_endpoint": False, "endpoint": DEFAULT_ENDPOINT},
    ),
    "fips-env-true-beats-file-false": Scenario(
        "[default]\nuse_fips_endpoint = false\n",
        env={"AWS_USE_FIPS_ENDPOINT": "true"},
        expect={"use_fips_endpoint": True},
    ),
    "fips-not-true-is-false": Scenario(
        "[default]\nuse_fips_endpoint = yes\nuse_dualstack_endpoint = 1\n",
        expect={"use_fips_endpoint": False, "use_dualstack_endpoint": False},
    ),
    "dualstack-from-file": Scenario(
        "[default]\nuse_dualstack_endpoint = true\n",
        expect={"use_dualstack_endpoint": True, "endpoint": "https://sts.us-west-2.api.aws"},
    ),
    "dualstack-env-false-beats-file-true": Scenario(
        "[default]\nuse_dualstack_endpoint = true\n",
        env={"AWS_USE_DUALSTACK_ENDPOINT": "false"},
        expect={"use_dualstack_endpoint": False},
    ),
    "fips-and-dualstack-from-env": Scenario(
        None,
        env={"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
        expect={"endpoint": "https://sts-fips.us-west-2.api.aws"},
    ),
    # Configured endpoint URLs
    "AWS_ENDPOINT_URL_STS": Scenario(
        None,
        env={"AWS_ENDPOINT_URL_STS": LOCAL},
        expect={"sts_endpoint_url": LOCAL, "endpoint": LOCAL},
    ),
    "AWS_ENDPOINT_URL": Scenario(
        None, env={"AWS_ENDPOINT_URL": LOCAL}, expect={"sts_endpoint_url": LOCAL}
    ),
    "AWS_ENDPOINT_URL_STS-beats-AWS_ENDPOINT_URL": Scenario(
        None,
        env={"AWS_ENDPOINT_URL": "http://global.example:1", "AWS_ENDPOINT_URL_STS": LOCAL},
        expect={"sts_endpoint_url": LOCAL},
    ),
    "endpoint_url-in-profile": Scenario(
        f"[default]\nendpoint_url = {LOCAL}\n", expect={"sts_endpoint_url": LOCAL}
    ),
    "endpoint_url-in-named-profile": Scenario(
        f"[default]\n[profile dev]\nendpoint_url = {LOCAL}\n",
        env={"AWS_PROFILE": "dev"},
        expect={"sts_endpoint_url": LOCAL},
    ),
    "AWS_ENDPOINT_URL-beats-profile-endpoint_url": Scenario(
        "[default]\nendpoint_url = http://profile.example:1\n",
        env={"AWS_ENDPOINT_URL": LOCAL},
        expect={"sts_endpoint_url": LOCAL},
    ),
    "empty-AWS_ENDPOINT_URL_STS-is-unset": Scenario(
        f"[default]\nendpoint_url = {LOCAL}\n",
        env={"AWS_ENDPOINT_URL_STS": ""},
        expect={"sts_endpoint_url": LOCAL},
    ),
    "services-section": Scenario(
        f"[default]\nservices = local\n\n[services local]\nsts =\n  endpoint_url = {LOCAL}\n",
        expect={"sts_endpoint_url": LOCAL, "endpoint": LOCAL},
    ),
    "services-section-among-other-services": Scenario(
        "[default]\nservices = local\n\n[services local]\n"
        "s3 =\n  endpoint_url = http://s3.example:1\n"
        f"sts =\n  endpoint_url = {LOCAL}\n  ignored_key = 1\n"
        "eks =\n  endpoint_url = http://eks.example:1\n",
        expect={"sts_endpoint_url": LOCAL},
    ),
    "services-section-of-a-named-profile": Scenario(
        "[default]\nservices = other\n[profile dev]\nservices = local\n"
        "[services other]\nsts =\n  endpoint_url = http://other.example:1\n"
        f"[services local]\nsts =\n  endpoint_url = {LOCAL}\n",
        env={"AWS_PROFILE": "dev"},
        expect={"sts_endpoint_url": LOCAL},
    ),
    "services-section-without-sts-falls-back-to-profile": Scenario(
        f"[default]\nendpoint_url = {LOCAL}\nservices = local\n"
        "[services local]\ns3 =\n  endpoint_url = http://s3.example:1\n",
        expect={"sts_endpoint_url": LOCAL},
    ),
    "services-section-beats-profile-endpoint_url": Scenario(
        ALL_ENDPOINTS, expect={"sts_endpoint_url": LOCAL}
    ),
    "AWS_ENDPOINT_URL-beats-services-section": Scenario(
        ALL_ENDPOINTS,
        env={"AWS_ENDPOINT_URL": "http://global.example:1"},
        expect={"sts_endpoint_url": "http://global.example:1"},
    ),
    "AWS_ENDPOINT_URL_STS-beats-services-section": Scenario(
        ALL_ENDPOINTS,
        env={"AWS_ENDPOINT_URL_STS": "http://sts.example:1"},
        expect={"sts_endpoint_url": "http://sts.example:1"},
    ),
    "services-of-another-profile-unused": Scenario(
        f"[default]\n[profile dev]\nservices = local\n[services local]\nsts =\n"
        f"  endpoint_url = {LOCAL}\n",
        expect={"sts_endpoint_url": None},
    ),
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS-turns-them-all-off": Scenario(
        ALL_ENDPOINTS,
        env={
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
            "AWS_ENDPOINT_URL_STS": "http://sts.example:1",
            "AWS_ENDPOINT_URL": "http://global.example:1",
        },
        expect={"sts_endpoint_url": None, "endpoint": DEFAULT_ENDPOINT},
    ),
    "ignore_configured_endpoint_urls-in-profile": Scenario(
        f"[default]\nendpoint_url = {LOCAL}\nignore_configured_endpoint_urls = true\n",
        env={"AWS_ENDPOINT_URL_STS": "http://sts.example:1"},
        expect={"sts_endpoint_url": None},
    ),
    "ignore-env-false-beats-profile-true": Scenario(
        f"[default]\nendpoint_url = {LOCAL}\nignore_configured_endpoint_urls = true\n",
        env={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
        expect={"sts_endpoint_url": LOCAL},
    ),
    "ignore-with-missing-services-section": Scenario(
        "[default]\nservices = missing\n",
        env={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        expect={"sts_endpoint_url": None},
    ),
    # Rejected by both
    "malformed-no-section-header": Scenario("region = eu-west-1\n", refused=True),
    "malformed-several-bad-lines": Scenario(
        "[default]\nregion = eu-west-1\nbad line\nworse\n", refused=True
    ),
    "duplicate-section": Scenario(
        "[default]\nregion = eu-west-1\n[default]\nregion = us-east-1\n", refused=True
    ),
    "duplicate-key": Scenario("[default]\nregion = eu-west-1\nregion = us-east-1\n", refused=True),
    "sts-bogus-in-file": Scenario("[default]\nsts_regional_endpoints = bogus\n", refused=True),
    "sts-bogus-in-env": Scenario(None, env={"AWS_STS_REGIONAL_ENDPOINTS": "bogus"}, refused=True),
    "sts-bogus-in-named-profile": Scenario(
        "[default]\n[profile dev]\nsts_regional_endpoints = global\n",
        env={"AWS_PROFILE": "dev"},
        refused=True,
    ),
    "services-section-missing": Scenario("[default]\nservices = missing\n", refused=True),
    "other-sections-ignored": Scenario(
        "[sso-session corp]\nsso_region = eu-west-1\n[plugins]\nx = y\n"
        "[default]\nregion = us-east-2\n",
        expect={"region": "us-east-2"},
    ),
    "unbalanced-quote-in-profile-header": Scenario(
        '[profile "dev]\nregion = eu-west-1\n[default]\nregion = us-east-2\n',
        expect={"region": "us-east-2"},
    ),
    "region-in-credentials-file": Scenario(
        None, credentials="[default]\nregion = eu-west-1\n", expect={"region": "eu-west-1"}
    ),
    "credentials-file-overrides-config-file": Scenario(
        "[default]\nregion = us-east-2\n",
        credentials="[default]\nregion = eu-west-1\n",
        expect={"region": "eu-west-1"},
    ),
    "fips-in-credentials-file": Scenario(
        "[profile dev]\nregion = us-east-2\n",
        env={"AWS_PROFILE": "dev"},
        credentials="[dev]\nuse_fips_endpoint = true\n",
        expect={"use_fips_endpoint": True},
    ),
    "profile-default-header-before-default": Scenario(
        "[profile default]\nregion = us-east-2\n[default]\nregion = eu-west-1\n",
        expect={"region": "eu-west-1"},
    ),
    "quoted-profile-name": Scenario(
        '[profile "dev"]\nregion = eu-west-1\n',
        env={"AWS_PROFILE": "dev"},
        expect={"region": "eu-west-1"},
    ),
    "profile-header-with-two-spaces": Scenario(
        "[profile  dev]\nregion = eu-west-1\n",
        env={"AWS_PROFILE": "dev"},
        expect={"region": "eu-west-1"},
    ),
    "unknown-profile-from-env": Scenario(
        "[default]\nregion = eu-west-1\n", env={"AWS_PROFILE": "nope"}, refused=True
    ),
    "unknown-profile-from-flag": Scenario(
        "[default]\nregion = eu-west-1\n", flag="nope", refused=True
    ),
    "variable-in-AWS_CONFIG_FILE": Scenario(
        None,
        env={"AWS_CONFIG_FILE": "$EKS_TF_AUTH_TEST_DIR/cfg", "EKS_TF_AUTH_TEST_DIR": "{tmp}"},
        others={"cfg": "[default]\nregion = eu-west-1\n"},
        expect={"region": "eu-west-1"},
    ),
    "missing-services-section-unused": Scenario(
        "[default]\nservices = missing\n",
        env={"AWS_ENDPOINT_URL_STS": LOCAL},
        expect={"sts_endpoint_url": LOCAL},
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_settings_match_botocore(files: Files, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    scenario = SCENARIOS[name]
    expected = botocore_answer(files, monkeypatch, scenario)
    assert ours_sees(scenario.flag) == expected


# Where `load_settings` and botocore part ways. Each case pins botocore's answer and is a strict
# xfail on the final comparison: if awsconfig.py is changed to agree, the case passes, strict
# turns that into a failure, and the case moves to SCENARIOS.
DISAGREEMENTS: dict[str, tuple[Scenario, str]] = {
    "empty-AWS_PROFILE": (
        Scenario("[default]\nregion = eu-west-1\n", env={"AWS_PROFILE": ""}, refused=True),
        "botocore takes a set-but-empty variable as its value (profile '' is not found); "
        "load_settings treats it as unset",
    ),
    "empty-AWS_DEFAULT_PROFILE-hides-AWS_PROFILE": (
        Scenario(DEV_AND_OPS, env={"AWS_DEFAULT_PROFILE": "", "AWS_PROFILE": "dev"}, refused=True),
        "botocore stops at the empty AWS_DEFAULT_PROFILE (profile '' is not found)",
    ),
    "empty-AWS_DEFAULT_REGION-hides-the-file": (
        Scenario(
            "[default]\nregion = eu-west-1\n",
            env={"AWS_DEFAULT_REGION": ""},
            expect={"region": None},
        ),
        "botocore's region is '' (the empty variable wins); load_settings falls through to "
        "the file's region",
    ),
    "empty-AWS_STS_REGIONAL_ENDPOINTS-hides-the-file": (
        Scenario(
            "[default]\nsts_regional_endpoints = legacy\n",
            env={"AWS_STS_REGIONAL_ENDPOINTS": ""},
            expect={"sts_regional_endpoints": "regional", "endpoint": DEFAULT_ENDPOINT},
        ),
        "botocore: the empty variable wins and means regional; load_settings uses the file's",
    ),
    "empty-AWS_USE_FIPS_ENDPOINT-hides-the-file": (
        Scenario(
            "[default]\nuse_fips_endpoint = true\n",
            env={"AWS_USE_FIPS_ENDPOINT": ""},
            expect={"use_fips_endpoint": False, "endpoint": DEFAULT_ENDPOINT},
        ),
        "botocore: the empty variable wins and means false; load_settings uses the file's true",
    ),
    "empty-AWS_IGNORE_CONFIGURED_ENDPOINT_URLS-hides-the-file": (
        Scenario(
            f"[default]\nendpoint_url = {LOCAL}\nignore_configured_endpoint_urls = true\n",
            env={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": ""},
            expect={"sts_endpoint_url": LOCAL},
        ),
        "botocore: the empty variable wins and means false; load_settings uses the file's true",
    ),
    "padded-AWS_USE_FIPS_ENDPOINT": (
        Scenario(None, env={"AWS_USE_FIPS_ENDPOINT": " true"}, expect={"use_fips_endpoint": False}),
        "botocore compares 'true' without stripping; load_settings strips",
    ),
    "sts-mode-is-case-sensitive": (
        Scenario("[default]\nsts_regional_endpoints = Legacy\n", refused=True),
        "botocore rejects 'Legacy' (InvalidSTSRegionalEndpointsConfigError); load_settings "
        "lower-cases it",
    ),
    "empty-AWS_CONFIG_FILE": (
        Scenario(
            None,
            env={"AWS_CONFIG_FILE": ""},
            others={"home/.aws/config": "[default]\nregion = eu-west-1\n"},
            expect={"region": None},
        ),
        "botocore reads no config file for AWS_CONFIG_FILE=''; load_settings reads ~/.aws/config",
    ),
    "AWS_CONFIG_FILE-is-a-directory": (
        Scenario(None, env={"AWS_CONFIG_FILE": "{tmp}"}, expect={"region": None}),
        "botocore skips a config path that is not a file; load_settings raises InputError",
    ),
    "empty-services-section": (
        Scenario("[default]\nservices = local\n[services local]\n", refused=True),
        "botocore rejects a services section with no keys as missing (InvalidConfigError)",
    ),
    "nested-line-without-equals": (
        Scenario(
            "[default]\nservices = local\n[services local]\nsts =\n  endpoint_url\n",
            refused=True,
        ),
        "botocore rejects a nested line without '=' (ConfigParseError); load_settings skips it",
    ),
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(reason=reason, raises=AssertionError, strict=True),
        )
        for name, (_, reason) in DISAGREEMENTS.items()
    ],
)
def test_known_disagreements_with_botocore(
    files: Files, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    scenario, _ = DISAGREEMENTS[name]
    expected = botocore_answer(files, monkeypatch, scenario)
    assert ours_sees(scenario.flag) == expected


# What load_settings answers in each disagreement: the difference stays documented above (and in
# the README's compatibility notes), and our side of it is pinned here. REFUSED: an InputError.
REFUSED: Mapping[str, Any] = {"refused": True}
OUR_ANSWERS: dict[str, Mapping[str, Any]] = {
    "empty-AWS_PROFILE": {"profile": None, "region": "eu-west-1"},
    "empty-AWS_DEFAULT_PROFILE-hides-AWS_PROFILE": {"profile": "dev"},
    "empty-AWS_DEFAULT_REGION-hides-the-file": {"region": "eu-west-1"},
    "empty-AWS_STS_REGIONAL_ENDPOINTS-hides-the-file": {
        "sts_regional_endpoints": "legacy",
        "endpoint": "https://sts.amazonaws.com",
    },
    "empty-AWS_USE_FIPS_ENDPOINT-hides-the-file": {
        "use_fips_endpoint": True,
        "endpoint": f"https://sts-fips.{CLIENT_REGION}.amazonaws.com",
    },
    "empty-AWS_IGNORE_CONFIGURED_ENDPOINT_URLS-hides-the-file": {
        "sts_endpoint_url": None,
        "endpoint": DEFAULT_ENDPOINT,
    },
    "padded-AWS_USE_FIPS_ENDPOINT": {"use_fips_endpoint": True},
    "sts-mode-is-case-sensitive": {"sts_regional_endpoints": "legacy"},
    "empty-AWS_CONFIG_FILE": {"region": "eu-west-1"},
    "AWS_CONFIG_FILE-is-a-directory": REFUSED,
    "empty-services-section": {"sts_endpoint_url": None, "endpoint": DEFAULT_ENDPOINT},
    "nested-line-without-equals": {"sts_endpoint_url": None, "endpoint": DEFAULT_ENDPOINT},
}


def test_every_disagreement_has_our_answer() -> None:
    assert set(OUR_ANSWERS) == set(DISAGREEMENTS)


@pytest.mark.parametrize("name", list(DISAGREEMENTS))
def test_our_answer_where_botocore_differs(
    files: Files, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    scenario, _ = DISAGREEMENTS[name]
    arrange(files, monkeypatch, scenario)
    ours = ours_sees(scenario.flag)
    expected = OUR_ANSWERS[name]
    if expected is REFUSED:
        assert isinstance(ours, Refused), ours
        return
    assert isinstance(ours, Seen), ours
    assert {k: getattr(ours, k) for k in expected} == expected


# AWS_REGION: honoured by load_settings (before AWS_DEFAULT_REGION), as the AWS CLI v2 and the
# other SDKs do, but not by botocore. Documented behaviour, so not compared with botocore.


def test_botocore_ignores_AWS_REGION(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the AWS_REGION tests below cannot use botocore as the oracle."""
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    answer = botocore_sees(None)
    assert isinstance(answer, Seen)
    assert answer.region is None


def test_AWS_REGION_alone(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert load_settings(os.environ, profile=None).region == "eu-west-1"


def test_AWS_REGION_beats_AWS_DEFAULT_REGION_and_the_profile(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.config.write_text("[profile dev]\nregion = ap-southeast-5\n", encoding="utf-8")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert load_settings(os.environ, profile=None).region == "eu-west-1"
    monkeypatch.delenv("AWS_REGION")
    assert load_settings(os.environ, profile=None).region == "us-east-2"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert load_settings(os.environ, profile=None).region == "ap-southeast-5"


def test_empty_AWS_REGION_is_unset(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    assert load_settings(os.environ, profile=None).region == "us-east-2"


def test_AWS_REGION_changes_only_the_region(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    files.config.write_text(
        "[default]\nregion = us-east-2\nuse_fips_endpoint = true\n", encoding="utf-8"
    )
    before = load_settings(os.environ, profile=None)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    after = load_settings(os.environ, profile=None)
    assert (before.region, after.region) == ("us-east-2", "eu-west-1")
    assert replace(after, region=before.region) == before


def test_reads_the_mapping_it_is_given_not_os_environ(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.config.write_text(DEV_AND_OPS, encoding="utf-8")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    environ = {"AWS_CONFIG_FILE": str(files.config), "AWS_PROFILE": "ops"}
    settings = load_settings(environ, profile=None)
    assert (settings.profile, settings.region) == ("ops", "ca-central-1")


def test_settings_fields(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    files.config.write_text(
        "[profile dev]\nregion = eu-west-1\nsts_regional_endpoints = legacy\n"
        f"use_fips_endpoint = true\nuse_dualstack_endpoint = true\nendpoint_url = {LOCAL}\n",
        encoding="utf-8",
    )
    assert load_settings(os.environ, profile="dev") == AwsSettings(
        profile="dev",
        region="eu-west-1",
        sts_regional_endpoints="legacy",
        use_fips_endpoint=True,
        use_dualstack_endpoint=True,
        sts_endpoint_url=LOCAL,
        profile_keys=frozenset(
            {"region", "sts_regional_endpoints", "use_fips_endpoint"}
            | {"use_dualstack_endpoint", "endpoint_url"}
        ),
    )


# Errors: one-line messages that name what to fix.


def load_error(files: Files, text: str | bytes) -> InputError:
    if isinstance(text, bytes):
        files.config.write_bytes(text)
    else:
        files.config.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_settings(os.environ, profile=None)
    assert "\n" not in raised.value.message
    assert raised.value.exit_code == 2
    return raised.value


@pytest.mark.parametrize(
    "text",
    [
        "region = eu-west-1\n",
        "[default]\nregion = eu-west-1\nbad line\nworse line\n",
        "[default]\nregion = a\n[default]\nregion = b\n",
        "[default\nregion = eu-west-1\n",
        b"[default]\nregion = eu-west-1\n# \xff\xfe not UTF-8\n",
    ],
    ids=["no-section-header", "bad-lines", "duplicate-section", "unclosed-header", "not-utf8"],
)
def test_unreadable_config_file(files: Files, text: str | bytes) -> None:
    error = load_error(files, text)
    assert error.message.startswith(f"cannot read the AWS config file {files.config}: ")
    assert error.hint is not None
    assert "AWS_CONFIG_FILE" in error.hint


def test_config_file_is_a_directory(files: Files, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files.home))
    with pytest.raises(InputError) as raised:
        load_settings(os.environ, profile=None)
    assert str(files.home) in raised.value.message
    assert "\n" not in raised.value.message


@pytest.mark.parametrize("value", ["bogus", "global", "regional-ish"])
def test_bad_sts_regional_endpoints_in_the_file(files: Files, value: str) -> None:
    error = load_error(files, f"[default]\nsts_regional_endpoints = {value}\n")
    assert repr(value) in error.message
    assert error.hint is not None
    assert str(files.config) in error.hint


def test_bad_sts_regional_endpoints_in_the_environment(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "bogus")
    with pytest.raises(InputError) as raised:
        load_settings(os.environ, profile=None)
    assert "'bogus'" in raised.value.message
    assert raised.value.hint is not None
    assert "AWS_STS_REGIONAL_ENDPOINTS" in raised.value.hint


def test_bad_sts_regional_endpoints_outside_the_profile_is_ignored(files: Files) -> None:
    files.config.write_text(
        "[default]\nregion = eu-west-1\n[profile other]\nsts_regional_endpoints = bogus\n",
        encoding="utf-8",
    )
    assert load_settings(os.environ, profile=None).sts_regional_endpoints == "regional"


def test_missing_services_section(files: Files) -> None:
    error = load_error(files, "[default]\nservices = missing\n[services present]\n")
    assert "'missing'" in error.message
    assert str(files.config) in error.message
    assert error.hint is not None
    assert "[services missing]" in error.hint


def test_readme_lists_every_disagreement() -> None:
    """The README's compatibility notes name the variable or key of every disagreement."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    notes = readme.split("<!-- compat -->", 1)[1].split("<!-- end compat -->", 1)[0]
    for scenario, _ in DISAGREEMENTS.values():
        named = [*scenario.env] or [
            line.split("=")[0].strip()
            for line in (scenario.config or "").splitlines()
            if "=" in line and "services" not in line
        ]
        if not named:  # the two malformed services sections
            assert "[services NAME]" in notes
        for name in named:
            assert name in notes, name


def test_dev_null_as_the_config_file_means_none(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    assert load_settings(os.environ, profile=None).region is None


def test_a_config_file_too_large_or_unreadable_is_one_line(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eks_tf_auth.aws import config

    files.config.write_text("[default]\nregion = eu-west-1\n" + "# pad\n" * 100)
    monkeypatch.setattr(config, "MAX_CONFIG_SIZE", 64)
    with pytest.raises(InputError, match="config: over 0 MiB"):
        load_settings(os.environ, profile=None)
    monkeypatch.setattr(config, "MAX_CONFIG_SIZE", 10 * 1024 * 1024)

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(InputError, match=r"cannot read the AWS config file .*: Permission denied"):
        load_settings(os.environ, profile=None)
