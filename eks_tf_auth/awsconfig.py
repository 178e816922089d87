"""The AWS settings that choose the STS endpoint, read without botocore.

botocore costs ~150 ms to import, more than the whole cold `exec` path may take, so the few
settings the token needs (region, STS endpoint mode, FIPS, dual-stack, endpoint URL) are read here
from the environment and the active profile of the shared config file, in botocore's precedence.
`tests/test_awsconfig.py` holds this module to botocore's answers.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass

from eks_tf_auth.errors import InputError

DEFAULT_CONFIG_FILE = "~/.aws/config"
DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"
_TRUE = "true"
_FALSE = "false"


@dataclass(frozen=True)
class AwsSettings:
    profile: str | None  # the profile named by flag or environment, None for "default"
    region: str | None
    sts_regional_endpoints: str  # "regional" or "legacy"
    use_fips_endpoint: bool
    use_dualstack_endpoint: bool
    sts_endpoint_url: str | None


def config_file(environ: Mapping[str, str]) -> str:
    return os.path.expanduser(environ.get("AWS_CONFIG_FILE") or DEFAULT_CONFIG_FILE)


def credentials_file(environ: Mapping[str, str]) -> str:
    return os.path.expanduser(
        environ.get("AWS_SHARED_CREDENTIALS_FILE") or DEFAULT_CREDENTIALS_FILE
    )


def profile_name(environ: Mapping[str, str], flag: str | None) -> str | None:
    return flag or environ.get("AWS_DEFAULT_PROFILE") or environ.get("AWS_PROFILE") or None


def load_settings(environ: Mapping[str, str], *, profile: str | None) -> AwsSettings:
    """Settings from the environment, then the profile's section of the config file."""
    name = profile_name(environ, profile)
    path = config_file(environ)
    sections = _read_config(path)
    scoped = sections.get(f"profile {name or 'default'}") or (
        sections.get("default", {}) if name in (None, "default") else {}
    )

    def setting(env: str, key: str) -> str | None:
        return environ.get(env) or scoped.get(key) or None

    mode = (setting("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints") or "regional").lower()
    if mode not in ("regional", "legacy"):
        raise InputError(
            f"sts_regional_endpoints must be 'regional' or 'legacy', not {mode!r}",
            hint="fix AWS_STS_REGIONAL_ENDPOINTS or sts_regional_endpoints in " + path,
        )
    return AwsSettings(
        profile=name,
        region=environ.get("AWS_REGION") or setting("AWS_DEFAULT_REGION", "region"),
        sts_regional_endpoints=mode,
        use_fips_endpoint=_flag(setting("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")),
        use_dualstack_endpoint=_flag(
            setting("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")
        ),
        sts_endpoint_url=_endpoint_url(environ, scoped, sections, path),
    )


def _flag(value: str | None) -> bool:
    return (value or _FALSE).strip().lower() == _TRUE


def _endpoint_url(
    environ: Mapping[str, str],
    scoped: Mapping[str, str],
    sections: Mapping[str, Mapping[str, str]],
    path: str,
) -> str | None:
    ignore = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") or scoped.get(
        "ignore_configured_endpoint_urls"
    )
    if _flag(ignore):
        return None
    services = scoped.get("services")
    service_url = None
    if services:
        section = sections.get(f"services {services}")
        if section is None:
            raise InputError(
                f"the profile uses services section {services!r}, which {path} does not define",
                hint=f"add [services {services}] to {path} or remove 'services' from the profile",
            )
        service_url = _nested(section.get("sts", "")).get("endpoint_url")
    return (
        environ.get("AWS_ENDPOINT_URL_STS")
        or environ.get("AWS_ENDPOINT_URL")
        or service_url
        or scoped.get("endpoint_url")
        or None
    )


def _nested(value: str) -> dict[str, str]:
    """A nested block (`sts =` followed by indented `key = value` lines)."""
    pairs = (line.split("=", 1) for line in value.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def _read_config(path: str) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f, path)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, configparser.Error) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(
            f"cannot read the AWS config file {path}: {first}",
            hint="fix the file or point AWS_CONFIG_FILE at another one",
        ) from e
    return {name.strip(): dict(parser.items(name)) for name in parser.sections()}
