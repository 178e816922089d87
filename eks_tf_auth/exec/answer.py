"""`exec`: answer from the cache, or resolve the identity and mint a new token.

Nothing here prints; the command writes what `issue` returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from eks_tf_auth import cache, identity
from eks_tf_auth.exec import protocol
from eks_tf_auth.token import utcnow

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExecRequest:
    who: identity.ClusterRequest  # the cluster may come from KUBERNETES_EXEC_INFO instead
    api_version: str | None = None  # checked: None means "as kubectl asks"
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
    info = protocol.parse_exec_info(environ.get(protocol.EXEC_INFO_ENV))
    api_version = protocol.choose_api_version(request.api_version, info)
    resolved = identity.resolve(protocol.complete(request.who, info), environ)

    def sign() -> tuple[str, datetime]:
        token = identity.mint_token(resolved, identity.credentials(resolved, environ), now=now)
        return protocol.render(api_version, token), token.expiration

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
        signed_at = now()
        output, expiration = sign()
        if lock.held:
            _store(dirpath, key, output, expiration, signed_at)
        return Issued(output, from_cache=False)


def _store(dirpath: str, key: str, output: str, expiration: datetime, signed_at: datetime) -> None:
    try:
        cache.write(dirpath, key, output, expiration.timestamp(), signed_at=signed_at.timestamp())
    except OSError as e:
        logger.warning("cannot write the token cache in %s: %s", dirpath, e.strerror or e)
