"""`exec`: validate the request, then answer from the cache or sign a new token.

Nothing here prints; the command writes what `issue` returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from eks_tf_auth import cache, exec_credential, validate
from eks_tf_auth.awsconfig import load_settings
from eks_tf_auth.errors import InputError
from eks_tf_auth.sts import Endpoint, resolve_endpoint
from eks_tf_auth.token import MAX_TOKEN_LENGTH, Credentials, Token, presign_token, utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExecRequest:
    cluster_name: str | None = None
    cluster_id: str | None = None
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)  # often a shared secret
    session_name: str | None = None
    api_version: str | None = None
    use_cache: bool = True


@dataclass(frozen=True)
class Issued:
    output: str = field(repr=False)  # the ExecCredential document for stdout
    from_cache: bool


def issue(
    request: ExecRequest,
    *,
    argv: Sequence[str],
    environ: Mapping[str, str],
    now: Callable[[], datetime] = utcnow,
) -> Issued:
    """The ExecCredential for `request`; `argv` and `environ` key the cache."""
    _validate(request)
    info = exec_credential.parse_exec_info(environ.get(exec_credential.EXEC_INFO_ENV))
    api_version = exec_credential.choose_api_version(request.api_version, info)
    target = exec_credential.choose_target(
        cluster_name=request.cluster_name,
        cluster_id=request.cluster_id,
        region=request.region,
        info=info,
    )
    settings = load_settings(environ, profile=request.profile)
    region = target.region or settings.region
    if not region:
        raise InputError(
            "no region given",
            hint="pass --region, set AWS_REGION or the profile's region, or add region to the "
            "cluster's client.authentication.k8s.io/exec extension",
        )
    endpoint = resolve_endpoint(validate.region(region), settings)

    def sign() -> tuple[str, datetime]:
        credentials = resolve_credentials(
            environ,
            profile=request.profile,
            role_arn=request.role_arn,
            external_id=request.external_id,
            session_name=request.session_name,
            region=region,
            endpoint=endpoint,
        )
        token = presign_token(credentials, target.cluster_id, endpoint, now=now)
        _check_length(token)
        return exec_credential.render(api_version, token), token.expires_at

    if not (request.use_cache and cache.enabled(argv, environ)):
        return Issued(sign()[0], from_cache=False)
    return _issue_cached(sign, argv=argv, environ=environ, now=now)


def _issue_cached(
    sign: Callable[[], tuple[str, datetime]],
    *,
    argv: Sequence[str],
    environ: Mapping[str, str],
    now: Callable[[], datetime],
) -> Issued:
    dirpath = cache.directory(environ)
    if dirpath is None:
        logger.info("no absolute cache directory (is HOME set?); not caching")
        return Issued(sign()[0], from_cache=False)
    key = cache.invocation_key(argv, environ)
    with cache.Lock(dirpath, key) as lock:
        if not lock.held:
            logger.warning(
                "token cache %s is not usable (not private, not writable, or busy); not caching",
                dirpath,
            )
        hit = cache.read(dirpath, key, now().timestamp())
        if hit is not None:
            return Issued(hit, from_cache=True)
        output, expires_at = sign()
        if lock.held:
            _store(dirpath, key, output, expires_at)
        return Issued(output, from_cache=False)


def _store(dirpath: str, key: str, output: str, expires_at: datetime) -> None:
    try:
        cache.write(dirpath, key, output, expires_at.timestamp())
    except OSError as e:
        logger.warning("cannot write the token cache in %s: %s", dirpath, e.strerror or e)


def resolve_credentials(
    environ: Mapping[str, str],
    *,
    profile: str | None,
    role_arn: str | None,
    external_id: str | None,
    session_name: str | None,
    region: str,
    endpoint: Endpoint,
) -> Credentials:
    """Environment keys without botocore where botocore would take them too, else botocore's
    chain; then AssumeRole through the same STS endpoint when a role is given."""
    from eks_tf_auth import aws

    source = aws.static_credentials(environ, profile=profile)
    if source is not None and not role_arn:
        return source
    sess = aws.session(profile)
    if source is None:
        source = aws.chain_credentials(sess)
    if not role_arn:
        return source
    # The global endpoint (legacy mode) signs for us-east-1, whatever the cluster's region.
    sts = aws.sts_client(sess, source, region=endpoint.signing_region, endpoint_url=endpoint.url)
    return aws.assume_role(
        sts, role_arn=role_arn, external_id=external_id, session_name=session_name
    )


def validate_role_options(
    role_arn: str | None, external_id: str | None, session_name: str | None, *, flags: bool = True
) -> None:
    if role_arn is None and (external_id or session_name):
        names = "--external-id and --session-name" if flags else "external_id and session_name"
        raise InputError(
            f"{names} need {'--role-arn' if flags else 'role_arn'}",
            hint="give the role to assume",
        )
    for value, check in (
        (role_arn, validate.role_arn),
        (external_id, validate.external_id),
        (session_name, validate.session_name),
    ):
        if value is not None:
            check(value)


def _validate(request: ExecRequest) -> None:
    validate_role_options(request.role_arn, request.external_id, request.session_name)
    if request.region is not None:
        validate.region(request.region)


def _check_length(token: Token) -> None:
    if len(token.value) > MAX_TOKEN_LENGTH:
        logger.warning(
            "the token is %d characters long; EKS rejects tokens over %d with a bare 401",
            len(token.value),
            MAX_TOKEN_LENGTH,
        )
