"""A Kubernetes API client for an EKS cluster: lightkube, with our own token, refreshed per request.

The only module that imports a Kubernetes client (lightkube, and its HTTP library httpx2); only
the commands that talk to a cluster load it, never `exec`. Three ways to find the API server and
authenticate to it, each a `Target`:

- `eks_target`: a cluster by name and identity (`ClusterRequest`): endpoint and CA from EKS
  DescribeCluster, tokens minted here (no kubeconfig, kubectl or AWS CLI);
- `kubeconfig_target`: a kubeconfig context (kubectl's loading rules) with a static token, a
  token file or an exec plugin, run as client-go runs it (KUBERNETES_EXEC_INFO, env, args);
- `in_cluster_target`: a pod's service account (a Job or CronJob).

`connect` turns a target into a `lightkube.Client` whose `TokenAuth` fetches a new token before
the current one expires (EKS tokens live 15 minutes; a client holding a static token starts
failing with 401 after that) and adds the impersonation headers. `ConfigMaps` reads and writes
ConfigMaps with optimistic concurrency; its failures are one-line `KubeError`s naming the
cluster, and a 409 is a `Conflict`, so callers retry only those.

Every request is bounded (`TIMEOUT_ENV`), and TLS is always verified: against the cluster's CA,
or the system's trust store for a kubeconfig cluster that names none.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import signal
import ssl
import subprocess
import threading
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from eks_tf_auth import identity
from eks_tf_auth.errors import AwsError, InputError, KubeError
from eks_tf_auth.exec.protocol import EXEC_INFO_ENV, KIND, check_api_version
from eks_tf_auth.kube import kubeconfig
from eks_tf_auth.token import redact, utcnow
from eks_tf_auth.validate import quoted, seconds

KUBE_EXTRA_HINT = "pip install 'eks-tf-auth[kube]'"

try:
    import httpx2
    import lightkube
    from lightkube.config import models as lightkube_config
    from lightkube.models.meta_v1 import ObjectMeta
    from lightkube.resources.core_v1 import ConfigMap
except ImportError as e:
    raise InputError(
        "talking to the Kubernetes API needs the kube extra", hint=KUBE_EXTRA_HINT
    ) from e

if TYPE_CHECKING:
    from eks_tf_auth.aws.credentials import Credentials
    from eks_tf_auth.identity import ClusterRequest

__all__ = [
    "ConfigMaps",
    "Conflict",
    "Credential",
    "Target",
    "TokenAuth",
    "connect",
    "eks_target",
    "in_cluster_target",
    "kube_client",
    "kubeconfig_target",
]

# Environment variable -> (default seconds, what it bounds), as aws/session.py's TIMEOUT_ENV.
TIMEOUT_ENV = {
    "EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT": (5.0, "connecting to the Kubernetes API server"),
    "EKS_TF_AUTH_KUBE_READ_TIMEOUT": (30.0, "each answer of the Kubernetes API server"),
    "EKS_TF_AUTH_EXEC_PLUGIN_TIMEOUT": (60.0, "a kubeconfig's exec plugin to print a token"),
}
REFRESH_MARGIN = timedelta(minutes=1)  # a token is replaced this long before it expires
CREDENTIALS_MARGIN = timedelta(minutes=5)  # AWS credentials are fetched again this long before
TOKEN_FILE_PERIOD = timedelta(minutes=1)  # a token file is read again this often (client-go's)
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
FIELD_MANAGER = "eks-tf-auth"
IMPERSONATE_USER = "Impersonate-User"
IMPERSONATE_GROUP = "Impersonate-Group"
MAX_DETAIL = 300  # characters of a server's or a plugin's message kept in an error line
_HEADER_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")
_HINTS = {
    401: "the cluster does not accept this identity: its IAM ARN needs a mapping (aws-auth or "
    "an access entry), or the token was refused; 'eks-tf-auth doctor' checks why",
    403: "RBAC: the identity's Kubernetes user and groups may not do this; map it to a group "
    "bound to a role that allows it (aws-auth needs get, update and create on configmaps in "
    "kube-system)",
    404: "the namespace or the ConfigMap does not exist (any more); read it again",
    422: "the API server refused the ConfigMap as invalid",
}
_UNREACHABLE_HINT = (
    "check that the endpoint is reachable from here (a private endpoint needs a VPN, a bastion "
    "or HTTPS_PROXY) and that the CA is the cluster's"
)

Clock = Callable[[], datetime]


class Credential(NamedTuple):
    """A bearer token and when to fetch the next one (None: keep it until a 401)."""

    token: str
    refresh_at: datetime | None


TokenSource = Callable[[Clock], Credential]


class Conflict(KubeError):
    """409: the object changed since it was read (or exists already); read it again, retry."""


@dataclass(frozen=True)
class Target:
    """An API server and how to authenticate to it."""

    name: str  # how messages name the cluster: its EKS name, a kubeconfig context, in-cluster
    server: str
    ca_pem: str | None = None  # None: the system's trust store
    namespace: str = "default"
    token: TokenSource | None = field(default=None, repr=False)  # None: anonymous
    renew_on_401: bool = False  # fetch a new token once when the server answers 401
    proxy: str | None = None
    as_user: str | None = None
    as_groups: tuple[str, ...] = ()


class TokenAuth(httpx2.Auth):
    """Bearer tokens from `source`, fetched again `REFRESH_MARGIN` before they expire (by the
    injected clock `now`) and, for sources that can give another, once after a 401; plus one
    `Impersonate-User` and one `Impersonate-Group` header per group (groups need a user, as
    with kubectl's --as-group). Safe across threads."""

    requires_request_body = True  # a request may be sent again with a new token

    def __init__(
        self,
        source: TokenSource | None,
        *,
        now: Clock = utcnow,
        renew_on_401: bool = False,
        as_user: str | None = None,
        as_groups: Sequence[str] = (),
    ) -> None:
        if as_groups and not as_user:
            raise InputError(
                "impersonating groups needs a user too", hint="pass --as with --as-group"
            )
        for value in filter(None, (as_user, *as_groups)):
            if not _HEADER_VALUE.fullmatch(value):
                raise InputError(
                    f"cannot impersonate {quoted(value)}: not printable ASCII",
                    hint="give the Kubernetes user or group name as it is",
                )
        self._source = source
        self._now = now
        self._renew_on_401 = renew_on_401
        self._current: Credential | None = None
        self._lock = threading.Lock()
        self._impersonation = (
            [(IMPERSONATE_USER, as_user), *((IMPERSONATE_GROUP, g) for g in as_groups)]
            if as_user
            else []
        )

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers.update(self._impersonation)  # a list: one header per group
        if self._source is None:
            yield request
            return
        request.headers["Authorization"] = f"Bearer {self._token(renew=False)}"
        response = yield request
        if response.status_code == 401 and self._renew_on_401:
            request.headers["Authorization"] = f"Bearer {self._token(renew=True)}"
            yield request

    def _token(self, *, renew: bool) -> str:
        assert self._source is not None
        with self._lock:
            current = self._current
            if (
                renew
                or current is None
                or (current.refresh_at is not None and self._now() >= current.refresh_at)
            ):
                current = self._current = self._source(self._now)
            return current.token


def kube_client(
    cluster_name: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    external_id: str | None = None,
    session_name: str | None = None,
    as_user: str | None = None,
    as_groups: Sequence[str] = (),
    now: Clock = utcnow,
    environ: Mapping[str, str] | None = None,
) -> lightkube.Client:
    """A lightkube `Client` (sync) for the EKS cluster `cluster_name`, as the identity given.

    The endpoint and CA come from EKS DescribeCluster; tokens are minted here, as
    `eks-tf-auth exec` mints them, and minted again a minute before each expires, so a client
    kept for hours keeps working. Credentials and region are found as by `get_token`
    (`role_arn` is assumed first, and again before its credentials expire). `as_user` and
    `as_groups` impersonate (kubectl's --as and --as-group). TLS is verified against the
    cluster's CA, and every request is bounded (`TIMEOUT_ENV`).

    Raises `eks_tf_auth.Error` (a subclass per cause) with a one-line message and a hint.
    Needs the kube extra: pip install 'eks-tf-auth[kube]'.

    An AWS Lambda function that keeps its client across invocations (the execution role needs
    eks:DescribeCluster and a mapping in the cluster, an access entry or aws-auth):

        from eks_tf_auth.kube.client import ConfigMaps, kube_client

        client = kube_client("prod", region="eu-west-1")  # once per container

        def handler(event, context):
            found = ConfigMaps(client).get("kube-system", "aws-auth")
            data, version = found if found else ({}, None)
            return {"mapRoles": data.get("mapRoles", ""), "resourceVersion": version}
    """
    env = os.environ if environ is None else environ
    request = identity.ClusterRequest(
        cluster_name=cluster_name,
        region=region,
        profile=profile,
        role_arn=role_arn,
        external_id=external_id,
        session_name=session_name,
    )
    return connect(
        eks_target(request, env), as_user=as_user, as_groups=as_groups, now=now, environ=env
    )


def connect(
    target: Target,
    *,
    as_user: str | None = None,
    as_groups: Sequence[str] = (),
    now: Clock = utcnow,
    environ: Mapping[str, str] | None = None,
) -> lightkube.Client:
    """A lightkube `Client` for `target`, authenticated by a `TokenAuth`. `as_user` and
    `as_groups` replace the target's impersonation (a kubeconfig user's `as`, `as-groups`)."""
    env = os.environ if environ is None else environ
    if not target.server.startswith("https://"):
        raise InputError(
            f"the API server of cluster {quoted(target.name)} is not https: "
            f"{quoted(target.server)}",
            hint="eks-tf-auth talks to API servers over verified TLS only",
        )
    auth = TokenAuth(
        target.token,
        now=now,
        renew_on_401=target.renew_on_401,
        as_user=as_user or target.as_user,
        as_groups=tuple(as_groups) or target.as_groups,
    )
    config = lightkube.SingleConfig(
        context_name=target.name,
        context=lightkube_config.Context(cluster=target.name, namespace=target.namespace),
        cluster=lightkube_config.Cluster(
            server=target.server,
            certificate_auth_data=_b64(target.ca_pem) if target.ca_pem else None,
        ),
        user=lightkube_config.User(),  # no credentials of lightkube's own: TokenAuth's below
    )
    client = lightkube.Client(
        config,
        timeout=httpx2.Timeout(
            _seconds(env, "EKS_TF_AUTH_KUBE_READ_TIMEOUT"),
            connect=_seconds(env, "EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT"),
        ),
        field_manager=FIELD_MANAGER,
        proxy=target.proxy,
    )
    # lightkube has no parameter for an httpx2.Auth of one's own; its httpx2 client takes one.
    http = client._client._client
    assert isinstance(http, httpx2.Client)
    http.auth = auth
    return client


# -- targets ----------------------------------------------------------------------------------


def eks_target(request: ClusterRequest, environ: Mapping[str, str]) -> Target:
    """The EKS cluster `request` names: endpoint and CA from DescribeCluster (as the request's
    identity, with its role assumed), tokens minted for that identity."""
    from eks_tf_auth.aws.eks import describe_cluster

    name = request.cluster_name
    if name is None:
        raise InputError("the Kubernetes API needs the cluster's name", hint="pass --cluster-name")
    resolved = identity.resolve(request, environ)
    creds = identity.credentials(resolved, environ)
    cluster = describe_cluster(
        request.profile, creds, name=name, region=resolved.region, environ=environ
    )
    if not cluster.endpoint or not cluster.certificate_authority_data:
        raise AwsError(
            f"cluster {name!r} in {resolved.region} has no API endpoint yet "
            f"(status {cluster.status})",
            hint="wait until it is ACTIVE",
        )
    return Target(
        name=name,
        server=cluster.endpoint,
        ca_pem=_pem(cluster.certificate_authority_data, f"cluster {name!r}"),
        token=_MintedTokens(resolved, creds, environ),
    )


def kubeconfig_target(
    path: str | None = None,
    context: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Target:
    """A kubeconfig context (`context`, else current-context) of the kubeconfig at `path`, else
    of kubectl's default files (KUBECONFIG, ~/.kube/config). Its user may carry a token, a
    tokenFile or an exec plugin; client certificates, auth providers, passwords,
    insecure-skip-tls-verify and tls-server-name are refused."""
    env = os.environ if environ is None else environ
    ctx = kubeconfig.select(kubeconfig.read(path, env), context)
    cluster, user = ctx.cluster, ctx.user
    where = f"kubeconfig context {quoted(ctx.name)}"
    if cluster.insecure:
        raise InputError(
            f"{where}: insecure-skip-tls-verify is set; eks-tf-auth always verifies the API "
            "server's certificate",
            hint="give the cluster's certificate-authority-data instead",
        )
    if cluster.tls_server_name:
        raise InputError(
            f"{where}: tls-server-name is not supported", hint="use the name the certificate has"
        )
    if user.unsupported:
        raise InputError(
            f"{where}: user {quoted(user.name or '')} authenticates with "
            f"{', '.join(user.unsupported)}, which eks-tf-auth does not support",
            hint="use a token, a tokenFile or an exec plugin (eks-tf-auth exec)",
        )
    if user.exec is not None and (user.token or user.token_file):
        raise InputError(
            f"{where}: user {quoted(user.name or '')} has an exec plugin and a token",
            hint="keep one authentication method",
        )
    if cluster.ca_data:
        pem: str | None = _pem(cluster.ca_data, where)
    elif cluster.ca_file:
        pem = _read_ca(cluster.ca_file, where)
    else:
        pem = None
    token: TokenSource | None = None
    if user.exec is not None:
        info = {
            "server": cluster.server,
            "certificate-authority-data": _b64(pem) if pem else None,
            "proxy-url": cluster.proxy_url,
            "config": dict(cluster.exec_config) if cluster.exec_config is not None else None,
        }
        token = _ExecPlugin(
            user.exec,
            user.name or "",
            {k: v for k, v in info.items() if v is not None},
            env,
            _seconds(env, "EKS_TF_AUTH_EXEC_PLUGIN_TIMEOUT"),
        )
    elif user.token_file:
        token = _TokenFile(user.token_file)
    elif user.token:
        token = _static(user.token)
    return Target(
        name=ctx.name,
        server=cluster.server,
        ca_pem=pem,
        namespace=ctx.namespace or "default",
        token=token,
        renew_on_401=user.exec is not None or bool(user.token_file),
        proxy=cluster.proxy_url,
        as_user=user.impersonate,
        as_groups=user.impersonate_groups,
    )


def in_cluster_target(
    *,
    environ: Mapping[str, str] | None = None,
    service_account_dir: str = SERVICE_ACCOUNT_DIR,
) -> Target:
    """The API server of the pod this runs in, as its service account: KUBERNETES_SERVICE_HOST
    and _PORT, the account's CA and namespace, and its token file (read again every minute,
    as the kubelet rotates it)."""
    env = os.environ if environ is None else environ
    host, port = env.get("KUBERNETES_SERVICE_HOST"), env.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise InputError(
            "not in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
            hint="run it in a Job or CronJob, or give a cluster name or a kubeconfig",
        )
    token_file = os.path.join(service_account_dir, "token")
    if not os.path.isfile(token_file):
        raise InputError(
            f"no service account token at {token_file}",
            hint="check the pod's automountServiceAccountToken",
        )
    namespace = "default"
    with (
        contextlib.suppress(OSError),
        open(os.path.join(service_account_dir, "namespace"), encoding="utf-8") as f,
    ):
        namespace = f.read(256).strip() or namespace
    return Target(
        name="in-cluster",
        server=f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}",
        ca_pem=_read_ca(os.path.join(service_account_dir, "ca.crt"), "the service account"),
        namespace=namespace,
        token=_TokenFile(token_file),
        renew_on_401=True,
    )


# -- token sources ----------------------------------------------------------------------------


class _MintedTokens:
    """EKS tokens minted here; the credentials are fetched again shortly before they expire
    (an assumed role's last an hour)."""

    def __init__(
        self, resolved: identity.Resolved, creds: Credentials, environ: Mapping[str, str]
    ) -> None:
        self._resolved = resolved
        self._creds = creds
        self._environ = environ

    def __call__(self, now: Clock) -> Credential:
        expires = self._creds.expires_at
        if expires is not None and expires <= now() + CREDENTIALS_MARGIN:
            self._creds = identity.credentials(self._resolved, self._environ)
        token = identity.mint_token(self._resolved, self._creds, now=now)
        return Credential(token.value, token.expiration - REFRESH_MARGIN)


def _static(token: str) -> TokenSource:
    def source(now: Clock) -> Credential:
        return Credential(token, None)

    return source


class _TokenFile:
    """A token file, read again every `TOKEN_FILE_PERIOD` (and after a 401)."""

    def __init__(self, path: str) -> None:
        self._path = path

    def __call__(self, now: Clock) -> Credential:
        try:
            with open(self._path, "rb") as f:
                token = f.read(64 * 1024).decode("utf-8", "replace").strip()
        except OSError as e:
            raise InputError(f"cannot read the token file {self._path}: {e.strerror}") from e
        if not token:
            raise InputError(f"the token file {self._path} is empty")
        return Credential(token, now() + TOKEN_FILE_PERIOD)


class _ExecPlugin:
    """A kubeconfig user's exec plugin, run as client-go runs it: the process's environment
    plus the block's env and KUBERNETES_EXEC_INFO (with the cluster when provideClusterInfo
    is set), never interactive, bounded by EKS_TF_AUTH_EXEC_PLUGIN_TIMEOUT."""

    def __init__(
        self,
        plugin: kubeconfig.ExecPlugin,
        user: str,
        cluster: Mapping[str, object],
        environ: Mapping[str, str],
        seconds: float,
    ) -> None:
        self._what = f"the exec plugin {quoted(plugin.command)} of user {quoted(user)}"
        check_api_version(
            plugin.api_version, source=f"the kubeconfig exec block of user {quoted(user)}"
        )
        if plugin.interactive_mode == "Always":
            raise InputError(
                f"{self._what} needs a terminal (interactiveMode: Always)",
                hint="set interactiveMode: Never or IfAvailable",
            )
        self._plugin = plugin
        spec: dict[str, object] = {"interactive": False}
        if plugin.provide_cluster_info:
            spec["cluster"] = dict(cluster)
        info = {"apiVersion": plugin.api_version, "kind": KIND, "spec": spec}
        self._env = {**environ, **dict(plugin.env), EXEC_INFO_ENV: json.dumps(info)}
        self._seconds = seconds

    def __call__(self, now: Clock) -> Credential:
        plugin = self._plugin
        out = _run([plugin.command, *plugin.args], self._env, self._seconds, self._what, plugin)
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
        status = doc.get("status") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or doc.get("kind") != KIND or not isinstance(status, dict):
            raise KubeError(
                f"{self._what} did not print an ExecCredential",
                hint="run it yourself with KUBERNETES_EXEC_INFO set to see what it prints",
            )
        if doc.get("apiVersion") != plugin.api_version:
            raise KubeError(
                f"{self._what} answered apiVersion {quoted(str(doc.get('apiVersion')))}; "
                f"its exec block asks for {plugin.api_version}",
                hint="set the exec block's apiVersion to one the plugin speaks",
            )
        token = status.get("token")
        if not isinstance(token, str) or not token:
            raise KubeError(
                f"{self._what} printed no token",
                hint="client certificates from exec plugins are not supported",
            )
        expiry = status.get("expirationTimestamp")
        if expiry is None:
            return Credential(token, None)
        return Credential(token, _rfc3339(expiry, self._what) - REFRESH_MARGIN)


def _run(
    argv: list[str],
    env: Mapping[str, str],
    seconds: float,
    what: str,
    plugin: kubeconfig.ExecPlugin,
) -> bytes:
    try:
        proc = subprocess.Popen(
            argv,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a timeout stops what it started too
        )
    except OSError as e:
        raise InputError(
            f"cannot run {what}: {e.strerror}",
            hint=plugin.install_hint or "install it, or fix the exec block's command",
        ) from e
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise KubeError(
            f"{what} did not exit within {seconds:g} s; stopped it",
            hint="run it yourself to see why it waits, or raise EKS_TF_AUTH_EXEC_PLUGIN_TIMEOUT",
        ) from None
    if proc.returncode != 0:
        lines = redact(err.decode("utf-8", "replace")).strip().splitlines()
        last = f": {_one_line(lines[-1])}" if lines else ""
        raise KubeError(
            f"{what} exited with status {proc.returncode}{last}",
            hint="run it yourself to see its whole error",
        )
    return out


def _rfc3339(value: object, what: str) -> datetime:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                return moment
    raise KubeError(
        f"{what} printed an expirationTimestamp that is not RFC 3339: {quoted(str(value))}"
    )


# -- ConfigMaps -------------------------------------------------------------------------------


class ConfigMaps:
    """The ConfigMaps of the cluster `client` talks to (from `connect` or `kube_client`), read
    and written with optimistic concurrency: `replace` sends the resourceVersion read, and a
    409 is a `Conflict`. A replace keeps the object's labels and annotations as read."""

    def __init__(self, client: lightkube.Client) -> None:
        self._client = client
        self._cluster = client.config.context_name
        self._server = client.config.cluster.server
        self._read: dict[tuple[str, str], ConfigMap] = {}

    def get(self, namespace: str, name: str) -> tuple[dict[str, str], str] | None:
        """The ConfigMap's data and resourceVersion, or None where it does not exist."""
        with self._errors("read", namespace, name):
            try:
                found = self._client.get(ConfigMap, name, namespace=namespace)
            except httpx2.HTTPStatusError as e:
                if e.response.status_code != 404:
                    raise
                return None
            return self._remember(namespace, name, found)

    def create(self, namespace: str, name: str, data: Mapping[str, str]) -> str:
        """Create the ConfigMap; its resourceVersion. `Conflict` where it exists already."""
        obj = ConfigMap(metadata=ObjectMeta(name=name, namespace=namespace), data=dict(data))
        with self._errors("create", namespace, name):
            return self._remember(namespace, name, self._client.create(obj))[1]

    def replace(
        self, namespace: str, name: str, data: Mapping[str, str], resource_version: str
    ) -> str:
        """Replace the ConfigMap's data, if it is still at `resource_version` (else `Conflict`);
        its new resourceVersion."""
        base = self._read.get((namespace, name))
        if base is None or _version(base) != resource_version:
            found = self.get(namespace, name)
            if found is None:
                raise KubeError(
                    f"cannot replace ConfigMap {namespace}/{name} in cluster "
                    f"{quoted(self._cluster)}: it does not exist",
                    hint=_HINTS[404],
                )
            if found[1] != resource_version:
                raise Conflict(
                    f"cannot replace ConfigMap {namespace}/{name} in cluster "
                    f"{quoted(self._cluster)}: it changed since version {resource_version} "
                    f"(now {found[1]})",
                    hint="read it again and retry",
                )
            base = self._read[(namespace, name)]
        obj = ConfigMap(
            metadata=base.metadata,
            data=dict(data),
            binaryData=base.binaryData,
            immutable=base.immutable,
        )
        with self._errors("replace", namespace, name):
            return self._remember(namespace, name, self._client.replace(obj))[1]

    def _remember(self, namespace: str, name: str, obj: ConfigMap) -> tuple[dict[str, str], str]:
        version = _version(obj)
        data = obj.data or {}
        if not version or not all(isinstance(v, str) for v in data.values()):
            raise ValueError("not a ConfigMap with a resourceVersion and string data")
        self._read[(namespace, name)] = obj
        return {str(k): v for k, v in data.items()}, version

    @contextlib.contextmanager
    def _errors(self, verb: str, namespace: str, name: str) -> Iterator[None]:
        """lightkube's and httpx2's exceptions as one-line KubeErrors naming the cluster."""
        what = f"cannot {verb} ConfigMap {namespace}/{name} in cluster {quoted(self._cluster)}"
        try:
            yield
        except httpx2.HTTPStatusError as e:
            response = e.response
            code = response.status_code
            detail = f"{code} {response.reason_phrase}"
            message = _status_message(response)
            line = f"{what}: {detail}" + (f" ({message})" if message else "")
            if code == 409:
                raise Conflict(line, hint="read it again and retry") from e
            raise KubeError(line, hint=_HINTS.get(code)) from e
        except httpx2.TimeoutException as e:
            raise KubeError(
                f"{what}: no answer from {self._server} in time ({type(e).__name__})",
                hint=f"{_UNREACHABLE_HINT}; EKS_TF_AUTH_KUBE_CONNECT_TIMEOUT and "
                "EKS_TF_AUTH_KUBE_READ_TIMEOUT raise the bounds",
            ) from e
        except httpx2.HTTPError as e:
            raise KubeError(
                f"{what}: cannot reach {self._server}: {_one_line(str(e))}",
                hint=_UNREACHABLE_HINT,
            ) from e
        except ValueError as e:  # lightkube's decoder (msgspec), or _remember
            raise KubeError(f"{what}: the answer is not a ConfigMap ({_one_line(str(e))})") from e


def _version(obj: ConfigMap) -> str | None:
    return obj.metadata.resourceVersion if obj.metadata is not None else None


def _status_message(response: httpx2.Response) -> str:
    """The message of a Kubernetes Status body, else nothing."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return _one_line(message) if isinstance(message, str) else ""


# -- helpers ----------------------------------------------------------------------------------


def _seconds(environ: Mapping[str, str], name: str) -> float:
    return seconds(environ, name, TIMEOUT_ENV)


def _pem(data: str, where: str) -> str:
    """The PEM text of base64 certificate-authority-data, checked to hold a certificate."""
    try:
        pem = base64.b64decode(data, validate=True).decode("ascii")
    except (binascii.Error, ValueError) as e:
        raise InputError(f"the CA data of {where} is not base64 PEM") from e
    return _checked(pem, where)


def _read_ca(path: str, where: str) -> str:
    try:
        with open(path, "rb") as f:
            pem = f.read(1024 * 1024).decode("ascii", "replace")
    except OSError as e:
        raise InputError(f"cannot read the CA file {path} of {where}: {e.strerror}") from e
    return _checked(pem, where)


def _checked(pem: str, where: str) -> str:
    try:
        ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError) as e:
        raise InputError(
            f"the CA of {where} holds no PEM certificate",
            hint="check the certificate-authority(-data)",
        ) from e
    return pem


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("ascii")).decode("ascii")


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 3] + "..."
