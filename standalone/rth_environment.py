"""PyInstaller runtime hook: the programs eks-tf-auth starts get the environment it was given.

To start, the bootloader points LD_LIBRARY_PATH at the bundle's libraries and sets _PYI_*
variables, then executes itself again. Children (a credential_process, a kubeconfig's exec
plugin) would inherit both: LD_LIBRARY_PATH would load the bundle's OpenSSL or zlib into a foreign
program, and _PYI_* would mislead another PyInstaller program. The dynamic loader read them when
this process started, so taking them out of os.environ changes only what children see.
"""

from __future__ import annotations

import os


def restore(environ: dict[str, str] | os._Environ[str]) -> None:
    """LD_LIBRARY_PATH as it was before the bootloader (its _ORIG copy, or none); no _PYI_*."""
    original = environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is None:
        environ.pop("LD_LIBRARY_PATH", None)
    else:
        environ["LD_LIBRARY_PATH"] = original
    for name in [n for n in environ if n.startswith("_PYI_")]:
        del environ[name]


restore(os.environ)
