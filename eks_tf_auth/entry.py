"""Console-script entry: answer `exec` from the token cache before click or botocore load.

A cache hit is the common case for kubectl and the Terraform providers, which start the plugin
for every process; it costs an interpreter start plus os/hashlib (bench/ measures it). Anything
else, including every miss, goes to the full CLI in `cli.py`.

Besides `exec`, the cache answers the other plugins' arguments that `exec/shapes.py` translates
(AWS CLI, aws-iam-authenticator, eks-auth, none at all under client-go): a full run stores the
answer under the arguments as given, so the lookup needs no parser, only a glance at the first.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not from typing: the cache hit stays free of typing and collections
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if _cacheable(args, os.environ):
        from eks_tf_auth import cache

        if cache.enabled(args, os.environ):
            hit = cache.lookup(args, os.environ)
            if hit is not None:
                return _write(hit)
    import gc

    gc.set_threshold(GC_THRESHOLD)
    from eks_tf_auth.cli import main as cli_main

    return cli_main(args)


# The cyclic garbage collector's youngest generation runs after this many net allocations of
# container objects, not CPython's 700: the imports of a cold `exec` (click, logging, the
# package) would set it off some 28 times, about 5 ms of 90 (measured with gc.callbacks).
# Cycles are still collected, later. Both forms, the package and the standalone executable.
GC_THRESHOLD = 20_000


# exec/shapes.py's ENV_VARS (aws-iam-authenticator reads them; the cache key does not hold them)
# and protocol.EXEC_INFO_ENV, spelled here so that a hit imports neither (tests/exec/).
PEER_ENV_VARS = ("DEFAULT_ROLE", "KUBERNETES_AWS_AUTHENTICATOR_CLUSTER_ID")
EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
_OWN_OPTIONS = ("-h", "--help", "--version")


def _cacheable(args: list[str], environ: Mapping[str, str]) -> bool:
    """`exec`, or what may be a peer's arguments: `eks get-token`, `token`, an option first (a
    global one of theirs, or eks-auth's) but not our own, or none at all under client-go."""
    if not args:
        return EXEC_INFO_ENV in environ
    first = args[0]
    if first == "exec":
        return True
    if first in ("eks", "token") or (first[:1] == "-" and first not in _OWN_OPTIONS):
        return not any(environ.get(name) for name in PEER_ENV_VARS)
    return False


def _write(text: str) -> int:
    """The cached answer to stdout. A stdout that cannot take it (closed, full, a reader that
    went away) fails the run in one line, as `cli.main` does, and not again at exit."""
    try:
        if sys.stdout is None:
            raise OSError(9, "it is closed")
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as e:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # what is buffered: not again at exit
        if not isinstance(e, BrokenPipeError):  # a reader that went away wants no message
            sys.stderr.write(f"eks-tf-auth: error: cannot write to stdout: {e.strerror}\n")
        return 1
    return 0
