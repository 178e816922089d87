"""Console-script entry: answer `exec` from the token cache before click or botocore load.

A cache hit is the common case for kubectl and the Terraform providers, which start the plugin
for every process; it costs an interpreter start plus os/hashlib (bench/ measures it). Anything
else, including every miss, goes to the full CLI in `cli.py`.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not from typing: the cache hit stays free of typing and collections
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["exec"]:
        from eks_tf_auth import cache

        if cache.enabled(args, os.environ):
            hit = cache.lookup(args, os.environ)
            if hit is not None:
                return _write(hit)
    from eks_tf_auth.cli import main as cli_main

    return cli_main(args)


def _write(text: str) -> int:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away: no traceback, and none at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0
