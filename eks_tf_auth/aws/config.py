"""The AWS settings that choose the STS endpoint, read without botocore.

botocore costs ~150 ms to import, more than the whole cold `exec` path may take, so the few
settings the token needs (region, STS endpoint mode, FIPS, dual-stack, endpoint URL) are read here
from the environment and the active profile of the shared config file, in botocore's precedence.
`tests/aws/test_config.py` holds this module to botocore's answers.
"""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass

from eks_tf_auth.errors import InputError
from eks_tf_auth.paths import config_file, credentials_file
from eks_tf_auth.validate import quoted

MAX_CONFIG_SIZE = 10 * 1024 * 1024  # AWS config files are kilobytes
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
    profile_keys: frozenset[str] = frozenset()  # what the profile sets, in either file
    ca_bundle: str | None = None  # AWS_CA_BUNDLE, else the profile's ca_bundle (may be "")


def profile_name(environ: Mapping[str, str], flag: str | None) -> str | None:
    return flag or environ.get("AWS_DEFAULT_PROFILE") or environ.get("AWS_PROFILE") or None


def load_settings(environ: Mapping[str, str], *, profile: str | None) -> AwsSettings:
    """Settings from the environment, then the profile (config file, then credentials file)."""
    name = profile_name(environ, profile)
    path = config_file(environ)
    profiles, services = _read_profiles(path, credentials_file(environ))
    if name is not None and name not in profiles:
        raise InputError(
            f"the config profile ({name}) could not be found",
            hint="list profiles with 'aws configure list-profiles'",
        )
    scoped = profiles.get(name or "default", {})

    def setting(env: str, key: str) -> str | None:
        return environ.get(env) or scoped.get(key) or None

    mode = (setting("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints") or "regional").lower()
    if mode not in ("regional", "legacy"):
        raise InputError(
            f"sts_regional_endpoints must be 'regional' or 'legacy', not {quoted(mode)}",
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
        sts_endpoint_url=_endpoint_url(environ, scoped, services, path),
        profile_keys=frozenset(scoped),
        ca_bundle=environ["AWS_CA_BUNDLE"]
        if "AWS_CA_BUNDLE" in environ
        else scoped.get("ca_bundle"),
    )


def _flag(value: str | None) -> bool:
    return (value or _FALSE).strip().lower() == _TRUE


def _endpoint_url(
    environ: Mapping[str, str],
    scoped: Mapping[str, str],
    services: Mapping[str, Mapping[str, str]],
    path: str,
) -> str | None:
    """botocore's order: service variable, global variable, services section, profile key."""
    ignore = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") or scoped.get(
        "ignore_configured_endpoint_urls"
    )
    if _flag(ignore):
        return None
    from_env = environ.get("AWS_ENDPOINT_URL_STS") or environ.get("AWS_ENDPOINT_URL")
    if from_env:
        return from_env
    section_name = scoped.get("services")
    if section_name:
        section = services.get(section_name)
        if section is None:
            raise InputError(
                f"the profile uses services section {quoted(section_name)}, which {path} does "
                "not define",
                hint=f"add [services {section_name}] to {path} or remove 'services' from the "
                "profile",
            )
        url = _nested(section.get("sts", "")).get("endpoint_url")
        if url:
            return url
    return scoped.get("endpoint_url") or None


def _nested(value: str) -> dict[str, str]:
    """A nested block (`sts =` followed by indented `key = value` lines)."""
    pairs = (line.split("=", 1) for line in value.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def _read_profiles(
    config_path: str, credentials_path: str
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Profiles by name, credentials-file keys over config-file keys, and services sections.

    In the config file a profile is `[default]` or `[profile NAME]` (split like a shell word, so
    `[profile "dev"]` is dev; of `[default]` and `[profile default]` the later wins); in the
    credentials file every section is a profile.
    """
    profiles: dict[str, dict[str, str]] = {}
    services: dict[str, dict[str, str]] = {}
    for section, values in _read_ini(config_path):
        words = _split(section)
        if section == "default":
            profiles["default"] = values
        elif len(words) == 2 and words[0] == "profile":
            profiles[words[1]] = values
        elif len(words) == 2 and words[0] == "services":
            services[words[1]] = values
    for section, values in _read_ini(credentials_path):
        profiles[section] = {**profiles.get(section, {}), **values}
    return profiles, services


def _split(section: str) -> list[str]:
    if '"' not in section and "'" not in section:
        return section.split()
    import shlex

    try:
        return shlex.split(section)
    except ValueError:
        return [section]


def _read_ini(path: str) -> list[tuple[str, dict[str, str]]]:
    """The sections of an AWS config or credentials file. Errors name the file and the line
    number, never the line's text (it may hold a secret key), and chain nothing that does."""
    parser = configparser.RawConfigParser()
    text = _read_text(path)
    if text is None:
        return []
    try:
        parser.read_string(text, path)
    except configparser.Error as e:
        raise InputError(
            f"cannot read the AWS config file {path}: {_parse_problem(e)}",
            hint="fix the file or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere",
        ) from None
    return [(name.strip(), dict(parser.items(name))) for name in parser.sections()]


def _read_text(path: str) -> str | None:
    """The file's text; None where there is no file (or it is /dev/null, the usual way to say
    "no config file"). Anything else that is not a regular file is refused, never read: a FIFO
    would block, a device never end."""
    problem = None
    try:
        st = os.stat(path)
        if path == os.devnull or os.path.realpath(path) == os.devnull:
            return None
        if not stat.S_ISREG(st.st_mode):
            problem = "not a regular file"
        elif st.st_size > MAX_CONFIG_SIZE:
            problem = f"over {MAX_CONFIG_SIZE // (1024 * 1024)} MiB"
        else:
            with open(path, "rb") as f:
                return f.read(MAX_CONFIG_SIZE + 1).decode("utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        problem = e.strerror or type(e).__name__
    except UnicodeDecodeError:
        problem = "not UTF-8 text"
    raise InputError(
        f"cannot read the AWS config file {path}: {problem}",
        hint="fix the file or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE elsewhere",
    )


def _parse_problem(error: configparser.Error) -> str:
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno}: a setting before any [section] header"
    if isinstance(error, configparser.ParsingError):
        lines = ", ".join(str(lineno) for lineno, _ in error.errors)
        return f"line {lines}: not 'key = value'"
    if isinstance(error, (configparser.DuplicateSectionError, configparser.DuplicateOptionError)):
        return f"line {error.lineno}: {error.section!r} is given twice" + (
            f" ({error.option})" if isinstance(error, configparser.DuplicateOptionError) else ""
        )
    return type(error).__name__  # pragma: no cover - read_string raises only the kinds above
