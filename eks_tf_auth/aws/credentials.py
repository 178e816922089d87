"""AWS credentials: the record the signer takes, environment keys read without botocore, botocore's
full provider chain, and AssumeRole.

Static credentials in the environment are taken without botocore (see `static_credentials`), so the
common CI path never pays botocore's import; everything else goes through botocore's full chain:
profiles, SSO, credential_process, web identity (IRSA), container and instance metadata.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, cast

from eks_tf_auth.aws.errors import NO_CREDENTIALS_HINT, SOURCES, translate_errors
from eks_tf_auth.errors import AwsError, InputError
from eks_tf_auth.validate import quoted

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.session import Session

SESSION_NAME_PREFIX = "eks-tf-auth-"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None  # None for long-term keys


def static_credentials(environ: Mapping[str, str], *, profile: str | None) -> Credentials | None:
    """Access keys from the environment, where botocore's chain would pick them too.

    botocore's environment provider comes first in its chain, except that an explicit profile
    (--profile, not AWS_PROFILE) removes it.
    """
    key = environ.get("AWS_ACCESS_KEY_ID")
    secret = environ.get("AWS_SECRET_ACCESS_KEY")
    if profile or not key or not secret:
        return None
    token = environ.get("AWS_SESSION_TOKEN") or environ.get("AWS_SECURITY_TOKEN") or None
    expiry = environ.get("AWS_CREDENTIAL_EXPIRATION")
    found = Credentials(key, secret, token, _parse_time(expiry) if expiry else None)
    return checked(found, "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")


# What a profile may hold for the fast path below to answer for botocore: credentials and the
# settings that do not change how botocore finds them. Anything else (role_arn, source_profile,
# credential_source, web_identity_token_file, sso_*, credential_process, login_*, ...) goes to
# botocore's chain.
PROFILE_KEYS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_security_token",
        "aws_account_id",
        "region",
        "output",
        "sts_regional_endpoints",
        "use_fips_endpoint",
        "use_dualstack_endpoint",
        "endpoint_url",
        "ignore_configured_endpoint_urls",
        "services",
        "ca_bundle",
        "retry_mode",
        "max_attempts",
        "parameter_validation",
        "cli_pager",
        "cli_binary_format",
        "cli_timestamp_format",
    }
)
# Variables that make botocore look elsewhere first, or that its own tests read differently.
_HANDOVER_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_SESSION_NAME",
)
_SIMPLE_PROFILE = re.compile(r"profile +([A-Za-z0-9_.@+=,:/-]+)", re.ASCII)


def profile_credentials(environ: Mapping[str, str], *, profile: str | None) -> Credentials | None:
    """Static keys from the shared credentials or config file, without botocore, where botocore's
    chain provably gives the same: no earlier provider applies (environment keys, a role, web
    identity, SSO) and the profile holds nothing else that changes the chain. Otherwise None,
    and botocore decides (tests/aws/test_profile_credentials.py holds the two together)."""
    from eks_tf_auth import paths

    # An explicit profile (--profile) takes botocore's environment providers out of its chain.
    if profile is None and any(environ.get(name) is not None for name in _HANDOVER_VARS):
        return None
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE"):
        if environ.get(name) == "":
            return None  # set but empty: where botocore and we part ways (README)
    if environ.get("AWS_SHARED_CREDENTIALS_FILE") == "":
        return None
    name = profile or environ.get("AWS_DEFAULT_PROFILE") or environ.get("AWS_PROFILE") or "default"
    config = _sections(paths.config_file(environ))
    credentials = _sections(paths.credentials_file(environ))
    if config is None or credentials is None:
        return None
    plain, in_config = _config_profile(config, name)
    if not plain:
        return None
    merged = {**in_config, **credentials.get(name, {})}
    if not merged or not PROFILE_KEYS.issuperset(merged):
        return None
    source = credentials.get(name, {})
    if "aws_access_key_id" not in source:
        source = in_config
    key, secret = source.get("aws_access_key_id"), source.get("aws_secret_access_key")
    if not key or not secret:
        return None
    # botocore's order: the older aws_security_token first, where both are given
    token = source.get("aws_security_token", source.get("aws_session_token")) or None
    return checked(Credentials(key, secret, token), f"the {name!r} profile's keys")


def _sections(path: str) -> dict[str, dict[str, str]] | None:
    """The file's sections as botocore's parser reads them (names not stripped); {} where there
    is no file; None where botocore should be the judge (unreadable, malformed)."""
    import configparser

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError):
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text, path)
    except configparser.Error:
        return None
    sections = {section: dict(parser.items(section)) for section in parser.sections()}
    if any(v.startswith("\n") for values in sections.values() for v in values.values()):
        return None  # nested values: botocore parses them, and only it should
    return sections


def _config_profile(sections: dict[str, dict[str, str]], name: str) -> tuple[bool, dict[str, str]]:
    """The config file's section for profile `name` (`[default]` or `[profile NAME]`; {} where
    there is none), and whether the headers are plain: not where a header has quotes or other
    spellings botocore reads by its own rules, or a name is given twice."""
    found: list[dict[str, str]] = []
    for header, values in sections.items():
        if header == "default":
            if name == "default":
                found.append(values)
        elif header.startswith("profile"):
            match = _SIMPLE_PROFILE.fullmatch(header)
            if match is None:
                return False, {}
            if match.group(1) == name:
                found.append(values)
    return len(found) <= 1, found[0] if found else {}


def chain_credentials(sess: Session) -> Credentials:
    """Credentials from botocore's full provider chain. Whatever a provider fails with (a
    credential_process printing junk, a missing token file) becomes one line naming the source."""
    found = None
    try:
        with translate_errors():
            found = sess.get_credentials()
            if found is None:
                raise AwsError("no AWS credentials found", hint=NO_CREDENTIALS_HINT)
            frozen = found.get_frozen_credentials()
    except (ValueError, TypeError, KeyError, AttributeError, RuntimeError, OSError) as e:
        method = _provider_of(e) or getattr(found, "method", None)
        source, hint = SOURCES.get(str(method), ("botocore's credential chain", None))
        raise AwsError(
            f"cannot get AWS credentials from {source}: {_reason(e)}",
            hint=hint or NO_CREDENTIALS_HINT,
        ) from e
    # botocore keeps the expiry of refreshable credentials (SSO, IRSA, IMDS, process) private.
    expiry = cast("datetime | None", getattr(found, "_expiry_time", None))
    if frozen.access_key is None or frozen.secret_key is None:
        raise AwsError("the AWS credentials found are incomplete", hint=NO_CREDENTIALS_HINT)
    creds = Credentials(frozen.access_key, frozen.secret_key, frozen.token or None, expiry)
    source = SOURCES.get(str(found.method), (f"botocore's {found.method} provider", ""))[0]
    return checked(creds, source)


def checked(creds: Credentials, source: str) -> Credentials:
    """Credentials are ASCII text; anything else (bytes that are not UTF-8 in an environment
    variable, say) cannot sign a request. The message never shows the value."""
    for what, value in (
        ("access key id", creds.access_key_id),
        ("secret access key", creds.secret_access_key),
        ("session token", creds.session_token or ""),
    ):
        if not value.isascii() or not value.isprintable():
            raise InputError(
                f"the {what} from {source} is not plain ASCII text",
                hint="set it again, copied from its source",
            )
    return creds


def _provider_of(error: BaseException) -> str | None:
    """The innermost botocore credential provider in the error's traceback (its METHOD)."""
    method = None
    tb = error.__traceback__
    while tb is not None:
        found = getattr(tb.tb_frame.f_locals.get("self"), "METHOD", None)
        if isinstance(found, str):
            method = found
        tb = tb.tb_next
    return method


def _reason(error: BaseException) -> str:
    """A short reason; a provider's message names files and formats, never credentials."""
    if isinstance(error, FileNotFoundError):
        return f"no such file: {error.filename}"
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def assume_role(
    sts: BaseClient,
    *,
    role_arn: str,
    external_id: str | None,
    session_name: str | None,
) -> Credentials:
    params: dict[str, str] = {
        "RoleArn": role_arn,
        "RoleSessionName": session_name or default_session_name(),
    }
    if external_id:
        params["ExternalId"] = external_id
    with translate_errors(f"cannot assume role {role_arn}"):
        try:
            out = sts.assume_role(**params)  # type: ignore[attr-defined]
        except ValueError as e:  # botocore's parser on a timestamp it cannot read
            raise AwsError(
                f"cannot assume role {role_arn}: cannot read the answer: {_reason(e)[:64]}",
                hint="check AWS_ENDPOINT_URL_STS: something other than STS may have answered",
            ) from e
    creds = out.get("Credentials", {})
    if not all(creds.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")):
        raise AwsError(
            f"cannot assume role {role_arn}: the answer holds no complete credentials",
            hint="check AWS_ENDPOINT_URL_STS: something other than STS may have answered",
        )
    expires = as_utc(creds["Expiration"])  # botocore leaves an answer without a zone naive
    return Credentials(
        creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], expires
    )


def default_session_name() -> str:
    """The role session name where none is given, as the AWS CLI names its own."""
    return f"{SESSION_NAME_PREFIX}{int(time.time())}"


def as_utc(moment: datetime) -> datetime:
    """A time without a zone read as UTC, as AWS means it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso_time(text: str) -> datetime:
    """An ISO 8601 time (`Z` or an offset, else UTC); ValueError if it is none."""
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _parse_time(text: str) -> datetime:
    try:
        return iso_time(text)
    except ValueError as e:
        raise InputError(
            f"AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time: {quoted(text)}",
            hint="unset it or use a form such as 2030-01-01T00:00:00Z",
        ) from e
