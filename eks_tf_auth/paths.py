"""Where the AWS shared config and credentials files are, as botocore finds them.

Stdlib only: the cache key (the warm path) needs these paths too.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not from typing: the cache hit stays free of typing and collections
if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_CONFIG_FILE = "~/.aws/config"
DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"


def config_file(environ: Mapping[str, str]) -> str:
    return _expand(environ.get("AWS_CONFIG_FILE") or DEFAULT_CONFIG_FILE)


def credentials_file(environ: Mapping[str, str]) -> str:
    return _expand(environ.get("AWS_SHARED_CREDENTIALS_FILE") or DEFAULT_CREDENTIALS_FILE)


def _expand(path: str) -> str:
    return os.path.expandvars(os.path.expanduser(path))
