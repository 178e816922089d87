"""What the standalone executable keeps, shared by the PyInstaller spec and the tests.

Only botocore's data for the services eks-tf-auth calls goes in (STS, EKS, IAM and CloudWatch
Logs, each service's models and endpoint rules) with the shared endpoint, partition, retry and
defaults files; the other 400-odd services' models stay out. The Jinja templates travel as data
beside the package; lint rule docs are the rules' docstrings, kept because the build does not
strip them (no -OO).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from pathlib import PurePosixPath

NAME = "eks-tf-auth"
# botocore's service directories under botocore/data, by what calls them.
SERVICES = (
    "sts",  # tokens, roles, web identity; doctor's GetCallerIdentity
    "eks",  # DescribeCluster, access entries
    "iam",  # access-entries, doctor (roles, OIDC providers)
    "logs",  # doctor (the authenticator's log group)
)
# botocore/data's own files, read for every client.
SHARED_DATA = (
    "_retry.json",
    "endpoints.json",
    "partitions.json",
    "sdk-default-configuration.json",
)
# The service files a client loads: the model, its endpoint rules and paginators (waiters and
# examples are for boto3 and the AWS CLI's docs, which eks-tf-auth does not use).
SERVICE_FILES = (
    "service-2.json.gz",
    "service-2.json",  # botocore releases before the models were compressed
    "endpoint-rule-set-1.json.gz",
    "endpoint-rule-set-1.json",
    "paginators-1.json",
    "paginators-1.sdk-extras.json",
)
# Standard-library modules the cache-hit path imports by name at run time (cache.py picks the
# builtin SHA-256 module of the running CPython), which the import analysis cannot see.
HIDDEN_IMPORTS = ("_sha256", "_sha2")
# python-hcl2's grammar and lark's parser cache for it (written by build.py's first parse): without
# the cache each `lint` would build the parser again (about a second) and try to save it inside
# the bundle.
HCL2_DATA = ["hcl2.lark", ".lark_cache.bin"]
# Packages nothing imports at run time, which hooks or optional imports would otherwise pull in.
EXCLUDES = (
    # test and build tools of the project venv
    "pytest",
    "setuptools",
    "pip",
    "awscli",
    "boto3",
    "moto",
    "IPython",
    "doctest",
    "tkinter",
    "unittest",
    # TLS through pyOpenSSL and requests: optional imports of urllib3, botocore and truststore
    # (botocore and httpx2 use the standard library's ssl)
    "cryptography",
    "OpenSSL",
    "requests",
    "charset_normalizer",
    "urllib3.contrib.pyopenssl",
    "urllib3.contrib.socks",
    "urllib3.contrib.emscripten",
    # httpx2's command line (rich, pygments) and type-only imports
    "httpx2._main",
    "rich",
    "pygments",
    "mypy_boto3_eks",
    "mypy_boto3_sts",
    "mypy_boto3_iam",
    "mypy_boto3_logs",
    "_pydecimal",  # decimal's fallback; the C _decimal is there
    # only Windows and macOS code imports ctypes (click's console, truststore, dateutil's tz)
    "ctypes",
)
# The modules go compressed into one zip in _internal, launcher.LIBRARY_ZIP (as .pyc files they
# would take 13 MB more), except what the hot paths import: a cache hit, and `exec` on a cache
# miss with environment keys, storing the token or not. Those stay .pyc files, which the path
# finder reads without the zip's directory or zlib. So do the packages that hold anything but
# .pyc files (botocore's data, extension modules, templates), which find those files beside
# their own. Top-level names; a package goes whole.
HOT_MODULES = frozenset(
    {
        "eks_tf_auth",
        "click",
        # the standard library's share
        *("__future__", "_collections_abc", "_weakrefset", "abc", "argparse", "ast", "base64"),
        *("codecs", "collections", "configparser", "contextlib", "copy", "copyreg", "dataclasses"),
        *("datetime", "dis", "encodings", "enum", "fnmatch", "functools", "genericpath"),
        *("gettext", "hashlib", "hmac", "importlib", "inspect", "io", "ipaddress", "json"),
        *("keyword", "linecache", "locale", "logging", "opcode", "operator", "os", "pathlib"),
        *("platform", "posixpath", "re", "reprlib", "stat", "string", "struct", "textwrap"),
        *("threading", "token", "tokenize", "traceback", "types", "typing", "urllib", "uuid"),
        *("warnings", "weakref", "zipimport"),
        # storing a token: tempfile and what it imports
        *("_compression", "bisect", "bz2", "lzma", "random", "shutil", "tempfile"),
    }
)


def hidden_imports() -> list[str]:
    """HIDDEN_IMPORTS that the building interpreter has (_sha2 is CPython 3.12's)."""
    return [name for name in HIDDEN_IMPORTS if importlib.util.find_spec(name) is not None]


def zipped(files: Iterable[str]) -> list[str]:
    """Of the files collected in _internal (paths relative to it), the .pyc files that go into
    the zip, in name order: those of top-level modules and packages outside HOT_MODULES
    whose files are all .pyc."""
    paths = [PurePosixPath(f) for f in files]
    pinned = {p.parts[0] for p in paths if p.suffix != ".pyc"}
    return sorted(
        str(p)
        for p in paths
        if p.suffix == ".pyc"
        and p.parts[0] not in pinned
        and p.parts[0].removesuffix(".pyc") not in HOT_MODULES
    )


def keep_data(dest: str) -> bool:
    """Whether a data file PyInstaller collected (its destination, relative to the bundle's
    root) goes into the executable: all of it except botocore's data for other services."""
    parts = PurePosixPath(dest).parts
    if parts[:2] != ("botocore", "data"):
        return True
    rest = parts[2:]
    if len(rest) == 1:
        return rest[0] in SHARED_DATA
    return rest[0] in SERVICES and rest[-1] in SERVICE_FILES
