"""eks-tf-auth: EKS tokens for Terraform, Atlantis and kubectl.

The public library API is what `__all__` lists; everything else may move between releases.

    from eks_tf_auth import get_token
    token = get_token("my-cluster", region="eu-west-1")  # token.value, token.expiration

Importing the package loads nothing but this file: the console script's cache-hit path imports
it too, so the API's modules load on first use (`__getattr__`).
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = [
    "AwsError",
    "ClusterRequest",
    "Error",
    "ExitCode",
    "InputError",
    "KubeError",
    "Token",
    "__version__",
    "aws_auth",
    "get_token",
    "kube_client",
]

# `typing` costs a cache hit ~4 ms of imports (re, enum, collections): type checkers treat any
# name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from eks_tf_auth.errors import AwsError, Error, ExitCode, InputError, KubeError
    from eks_tf_auth.identity import ClusterRequest, get_token
    from eks_tf_auth.kube.client import kube_client
    from eks_tf_auth.token import Token

_HOMES = {
    "AwsError": "eks_tf_auth.errors",
    "Error": "eks_tf_auth.errors",
    "ExitCode": "eks_tf_auth.errors",
    "InputError": "eks_tf_auth.errors",
    "KubeError": "eks_tf_auth.errors",
    "kube_client": "eks_tf_auth.kube.client",
    "ClusterRequest": "eks_tf_auth.identity",
    "get_token": "eks_tf_auth.identity",
    "Token": "eks_tf_auth.token",
}


_SUBPACKAGES = ("aws_auth",)


def __getattr__(name: str) -> object:
    import importlib

    if name in _SUBPACKAGES:
        return importlib.import_module(f"eks_tf_auth.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'eks_tf_auth' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES, *_SUBPACKAGES])
