"""The Kubernetes client-go exec-plugin protocol: what kubectl asks for and what it gets back.

kubectl and the Terraform providers pass `KUBERNETES_EXEC_INFO` (an ExecCredential with the
apiVersion they speak and, with `provideClusterInfo: true`, the cluster); the plugin answers with
an ExecCredential on stdout.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from eks_tf_auth.errors import InputError
from eks_tf_auth.identity import ClusterRequest
from eks_tf_auth.token import Token, format_time
from eks_tf_auth.validate import quoted

logger = logging.getLogger(__name__)

KIND = "ExecCredential"
API_V1 = "client.authentication.k8s.io/v1"
API_V1BETA1 = "client.authentication.k8s.io/v1beta1"
API_V1ALPHA1 = "client.authentication.k8s.io/v1alpha1"
API_VERSIONS = (API_V1, API_V1BETA1)
DEFAULT_API_VERSION = API_V1BETA1
EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
# Keys of the cluster's client.authentication.k8s.io/exec extension (cluster-inventory EKS plugin).
CLUSTER_NAME_KEY = "clusterName"
CLUSTER_ID_KEY = "clusterId"
REGION_KEY = "region"
_EKS_HOST = re.compile(
    r"\.(?P<region>[a-z]{2,4}(?:-[a-z]+)+-\d{1,2})\.eks\.amazonaws\.com(?:\.cn)?$"
)


@dataclass(frozen=True)
class ExecInfo:
    api_version: str | None  # None when kubectl sent nothing usable
    server: str | None
    config: Mapping[str, object]


def parse_exec_info(raw: str | None) -> ExecInfo:
    """Read KUBERNETES_EXEC_INFO; a malformed value is noted and ignored, as client-go would."""
    if not raw:
        return ExecInfo(None, None, {})
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        logger.warning("%s is not JSON; answering with %s", EXEC_INFO_ENV, DEFAULT_API_VERSION)
        return ExecInfo(None, None, {})
    if not isinstance(doc, dict):
        logger.warning("%s is not a JSON object; ignoring it", EXEC_INFO_ENV)
        return ExecInfo(None, None, {})
    version = doc.get("apiVersion")
    spec = doc.get("spec")
    cluster = spec.get("cluster") if isinstance(spec, dict) else None
    cluster = cluster if isinstance(cluster, dict) else {}
    server = cluster.get("server")
    config = cluster.get("config")
    return ExecInfo(
        version if isinstance(version, str) else None,
        server if isinstance(server, str) else None,
        config if isinstance(config, dict) else {},
    )


def check_api_version(version: str, *, source: str = "--api-version") -> str:
    """The one check of an ExecCredential apiVersion, wherever it comes from (a flag, a query,
    KUBERNETES_EXEC_INFO); `source` names it in the message."""
    if version in API_VERSIONS:
        return version
    if version == API_V1ALPHA1:
        raise InputError(
            f"{API_V1ALPHA1} (from {source}) was removed in Kubernetes 1.24",
            hint=f"set apiVersion: {API_V1BETA1} (or {API_V1}) in the kubeconfig exec block",
        )
    raise InputError(
        f"unsupported ExecCredential apiVersion {quoted(version)} (from {source})",
        hint=f"use {API_V1} or {API_V1BETA1}",
    )


def choose_api_version(override: str | None, info: ExecInfo) -> str:
    """The flag's apiVersion, else the one kubectl speaks, else the default."""
    if override:
        return override  # checked where it entered
    return check_api_version(info.api_version or DEFAULT_API_VERSION, source=EXEC_INFO_ENV)


def complete(request: ClusterRequest, info: ExecInfo) -> ClusterRequest:
    """The request's cluster and region, else those of the cluster kubectl describes (the exec
    extension with provideClusterInfo, or an EKS server URL's region)."""
    if request.cluster_name is not None and request.cluster_id is not None:
        raise InputError(
            "--cluster-name and --cluster-id are mutually exclusive",
            hint="give the cluster once: its name, or as --cluster-id its Outposts id or name",
        )
    changes: dict[str, str] = {}
    if request.cluster_name is None and request.cluster_id is None:
        if name := _config_str(info, CLUSTER_NAME_KEY):
            changes["cluster_name"] = name
        elif ident := _config_str(info, CLUSTER_ID_KEY):
            changes["cluster_id"] = ident
        else:
            raise InputError(
                "no cluster given",
                hint=(
                    "pass --cluster-name, or set provideClusterInfo: true in the kubeconfig exec "
                    f"block and the cluster's extensions entry client.authentication.k8s.io/exec "
                    f"with {CLUSTER_NAME_KEY}"
                ),
            )
    if request.region is None and (
        found := _config_str(info, REGION_KEY) or _server_region(info.server)
    ):
        changes["region"] = found
    return replace(request, **changes) if changes else request  # checks what the info added


def render(api_version: str, token: Token) -> str:
    """The ExecCredential document, one line, newline-terminated."""
    doc = {
        "kind": KIND,
        "apiVersion": api_version,
        "spec": {},
        "status": {"expirationTimestamp": format_time(token.expiration), "token": token.value},
    }
    return json.dumps(doc, separators=(",", ":")) + "\n"


def token_line(document: str) -> str:
    """The bare token of a rendered ExecCredential, newline-terminated (aws-iam-authenticator's
    `token --token-only`)."""
    return f"{json.loads(document)['status']['token']}\n"


def _config_str(info: ExecInfo, key: str) -> str | None:
    value = info.config.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InputError(
            f"the kubeconfig exec extension's {key} must be a non-empty string",
            hint="fix extensions[client.authentication.k8s.io/exec] of the cluster",
        )
    return value


def _server_region(server: str | None) -> str | None:
    if not server:
        return None
    try:
        host = urlsplit(server).hostname or ""
    except ValueError:  # kubectl checked the URL; a bad one here just gives no region
        return None
    match = _EKS_HOST.search(host)
    return match.group("region") if match else None
