from __future__ import annotations

import os

import click


@click.group("cache", short_help="Manage the token cache.")
def cache_group() -> None:
    """Manage the token cache."""


@cache_group.command("clear")
def clear() -> int:
    """Remove every cached token."""
    from eks_tf_auth import cache

    dirpath = cache.directory(os.environ)
    if dirpath is None:
        click.echo("no cache directory (HOME is not set); nothing to clear", err=True)
        return 0
    why = cache.usable(dirpath)
    if why is not None:
        from eks_tf_auth.errors import InputError

        raise InputError(
            f"the cache directory {dirpath} is not used, so not cleared: {why}",
            hint=f"nothing of ours is in it; fix it or point {cache.DIR_ENV} elsewhere",
        )
    removed = cache.clear(dirpath)
    click.echo(f"removed {removed} cached token(s) from {dirpath}", err=True)
    return 0


@cache_group.command("path")
def path() -> int:
    """Print the cache directory."""
    from eks_tf_auth import cache

    dirpath = cache.directory(os.environ)
    if dirpath is None:
        click.echo("no cache directory (HOME is not set): tokens are not cached", err=True)
        return 1
    click.echo(dirpath)
    return 0
