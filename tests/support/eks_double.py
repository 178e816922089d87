from __future__ import annotations

# A local HTTPS Kubernetes API server double that authenticates EKS bearer tokens.
#
# It listens on 127.0.0.1 only, serves a certificate signed by a CA generated per
# instance, checks every request's "Authorization: Bearer k8s-aws-v1...." token with
# tests.support.verifier, and answers the handful of routes that kubectl needs for
# `kubectl get namespaces` and `kubectl auth whoami`, plus ConfigMaps in its namespaces
# with resourceVersion semantics (GET, list, POST, PUT, merge PATCH, DELETE; JSON bodies
# only: the protobuf kubectl's typed clients send is answered 415), stored per
# double.  Tests can script answers (`answer`: the next N writes 409, a path 403, ...).
# Each request is recorded with the ARN its token authenticated and its impersonation
# headers.  Tokens are never recorded or logged.
import base64
import contextlib
import copy
import ipaddress
import json
import os
import re
import secrets
import socket
import socketserver
import ssl
import tempfile
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .verifier import TokenRejected, verify_token

# timezone.utc, spelled so that it needs neither Python 3.11's datetime.UTC nor
# trips linters that prefer datetime.UTC.
UTC = timezone(timedelta(0))

__all__ = ["WRITE_METHODS", "EksApiDouble", "Identity", "RequestRecord"]

JsonObject = dict[str, object]

_MAX_BODY_BYTES = 1 << 20
_CONNECTION_TIMEOUT_SECONDS = 30.0
_CREATED = "2024-01-01T00:00:00Z"
_GIT_VERSION_RE = re.compile(r"\Av?(?P<major>[0-9]+)\.(?P<minor>[0-9]+)")
_AUTH_VERSIONS = ("v1", "v1beta1", "v1alpha1")
_SELF_SUBJECT_REVIEW_RE = re.compile(
    r"/apis/authentication\.k8s\.io/(v1|v1beta1|v1alpha1)/selfsubjectreviews"
)
_NAMESPACE_RE = re.compile(r"/api/v1/namespaces/([a-z0-9-]+)")
_CONFIGMAPS_RE = re.compile(r"/api/v1/namespaces/([a-z0-9-]+)/configmaps(?:/([^/]+))?")
_DNS_SUBDOMAIN_RE = re.compile(r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?")
_DATA_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
_MERGE_PATCH_TYPES = ("application/merge-patch+json", "application/strategic-merge-patch+json")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REASONS = {
    200: "OK",
    201: "Created",
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


@dataclass(frozen=True)
class Identity:
    """An IAM principal the double knows, keyed by access key id."""

    arn: str
    secret: str


@dataclass(frozen=True)
class RequestRecord:
    """One request the double answered (never contains the token).

    `username` is who the request was served as (None when it was answered 401); `arn` is
    the principal the token authenticated (also on a scripted 401); the impersonation
    fields are the request's Impersonate-User header and every Impersonate-Group header,
    in order."""

    method: str
    path: str
    status: int
    username: str | None
    reason: str | None
    arn: str | None = None
    impersonate_user: str | None = None
    impersonate_groups: tuple[str, ...] = ()


@dataclass
class _Scripted:
    """An answer a test scripted: `status` for matching requests, `remaining` times (None:
    for ever)."""

    status: int
    path: str | None
    methods: frozenset[str] | None
    remaining: int | None
    body: JsonObject | bytes | None
    message: str | None

    def matches(self, method: str, path: str) -> bool:
        return (self.path is None or self.path == path) and (
            self.methods is None or method in self.methods
        )

    def response(self, method: str, path: str, arn: str) -> JsonObject | bytes:
        if self.body is not None:
            return self.body
        message = self.message or f'User "{arn}" cannot {method.lower()} {path} (scripted)'
        return _status(self.status, _REASONS.get(self.status, "Unknown"), message)


IdentitySource = Mapping[str, Identity] | Callable[[str], Identity | None]


class _SecretLookup(Mapping[str, str]):
    """Lookup-only view of an identity source as access key id -> secret.

    It cannot enumerate a callable source, so iteration is empty; the verifier only
    looks keys up.  Identities found are remembered for the rest of the request.
    """

    def __init__(self, source: IdentitySource) -> None:
        self._source = source
        self.found: dict[str, Identity] = {}

    def identity(self, access_key_id: str) -> Identity | None:
        if access_key_id in self.found:
            return self.found[access_key_id]
        if isinstance(self._source, Mapping):
            identity = self._source.get(access_key_id)
        else:
            identity = self._source(access_key_id)
        if identity is not None:
            self.found[access_key_id] = identity
        return identity

    def __getitem__(self, key: str) -> str:
        identity = self.identity(key)
        if identity is None:
            raise KeyError(key)
        return identity.secret

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class _TlsMaterial:
    ca_pem: str
    cert_pem: bytes
    key_pem: bytes


def _make_tls_material() -> _TlsMaterial:
    now = datetime.now(UTC)
    not_before = now - timedelta(minutes=5)
    not_after = now + timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"eks-api-double CA {secrets.token_hex(4)}")]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    return _TlsMaterial(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        cert_pem=server_cert.public_bytes(serialization.Encoding.PEM),
        key_pem=server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _server_ssl_context(material: _TlsMaterial) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    # load_cert_chain only takes paths: write to a private temporary directory and
    # delete it as soon as the key is loaded.
    with tempfile.TemporaryDirectory(prefix="eks-api-double-") as directory:
        cert_path = os.path.join(directory, "server.pem")
        key_path = os.path.join(directory, "server.key")
        with open(cert_path, "wb") as cert_file:
            cert_file.write(material.cert_pem)
        key_fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(key_fd, "wb") as key_file:
            key_file.write(material.key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context


def _status(code: int, reason: str, message: str) -> JsonObject:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _namespace(name: str) -> JsonObject:
    return {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "uid": f"00000000-0000-4000-8000-{name.encode().hex()[:12].ljust(12, '0')}",
            "resourceVersion": "1",
            "creationTimestamp": _CREATED,
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


_NAMESPACES = ("default", "kube-system")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, double: EksApiDouble, ssl_context: ssl.SSLContext) -> None:
        self.double = double
        self.ssl_context = ssl_context
        self._connections: set[ssl.SSLSocket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def finish_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        # Runs in the per-connection thread, so a slow TLS handshake blocks nobody else.
        if not isinstance(request, socket.socket):
            return
        request.settimeout(_CONNECTION_TIMEOUT_SECONDS)
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            request.close()
            return
        with self._connections_lock:
            self._connections.add(connection)
        try:
            _Handler(connection, client_address, self)
        except (OSError, ValueError):
            pass
        finally:
            with self._connections_lock:
                self._connections.discard(connection)
            connection.close()

    def handle_error(self, request: object, client_address: object) -> None:
        # Never print tracebacks (which might include request data) to stderr.
        return

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            # Shut the raw socket down (wakes the handler thread) without touching
            # the TLS object the handler thread is using.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(connection, socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "eks-api-double/1"
    sys_version = ""
    timeout = _CONNECTION_TIMEOUT_SECONDS

    def log_message(self, format: str, *args: object) -> None:
        # Never log: request lines are harmless, but keep stderr clean and token-free.
        return

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes | None:
        transfer_encoding = self.headers.get("Transfer-Encoding", "").strip().lower()
        if transfer_encoding == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(1024)
                try:
                    size = int(size_line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    # Discard trailers up to the blank line.
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > _MAX_BODY_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        if transfer_encoding:
            return None
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            return None
        if not 0 <= length <= _MAX_BODY_BYTES:
            return None
        return self.rfile.read(length)

    def _respond(
        self,
        status: int,
        body: JsonObject | bytes,
        *,
        path: str,
        username: str | None,
        reason: str | None,
        arn: str | None = None,
    ) -> None:
        # Record before answering, so a client that has its response sees the record.
        impersonate_user, impersonate_groups = self._impersonation()
        self.server.double._record(
            RequestRecord(
                method=self.command,
                path=path,
                status=status,
                username=username,
                reason=reason,
                arn=arn,
                impersonate_user=impersonate_user,
                impersonate_groups=impersonate_groups,
            )
        )
        if isinstance(body, bytes):
            payload, content_type = body, "text/plain; charset=utf-8"
        else:
            payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Length", str(len(payload)))
        if status >= 400 and status != 401 and status != 404:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _impersonation(self) -> tuple[str | None, tuple[str, ...]]:
        return (
            self.headers.get("Impersonate-User"),
            tuple(self.headers.get_all("Impersonate-Group") or ()),
        )

    def _authenticate(self) -> tuple[Identity | None, str | None]:
        header = self.headers.get("Authorization")
        if header is None:
            return None, "missing Authorization header"
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None, "Authorization header is not a bearer token"
        double = self.server.double
        lookup = _SecretLookup(double.identities)
        try:
            verified = verify_token(
                token,
                cluster_id=double.cluster_id,
                secrets=lookup,
                now=double.current_time(),
                allowed_hosts=double.allowed_sts_hosts,
            )
        except TokenRejected as exc:
            return None, f"token rejected: {exc}"
        identity = lookup.identity(verified.access_key_id)
        if identity is None:  # the source changed its mind between two lookups
            return None, f"token rejected: unknown access key id {verified.access_key_id}"
        return identity, None

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        try:
            body = self._read_body()
            if body is None:
                self._respond(
                    400,
                    _status(400, "BadRequest", "unreadable request body"),
                    path=path,
                    username=None,
                    reason="unreadable request body",
                )
                return
            identity, rejection = self._authenticate()
            if identity is None:
                self._respond(
                    401,
                    _status(401, "Unauthorized", "Unauthorized"),
                    path=path,
                    username=None,
                    reason=rejection,
                )
                return
            double = self.server.double
            scripted = double._take_scripted(self.command, path)
            if scripted is not None:
                self._respond(
                    scripted.status,
                    scripted.response(self.command, path, identity.arn),
                    path=path,
                    username=None if scripted.status == 401 else identity.arn,
                    reason=f"scripted {scripted.status}",
                    arn=identity.arn,
                )
                return
            impersonate_user, impersonate_groups = self._impersonation()
            status, response = double._route(
                self.command,
                path,
                identity,
                body=body,
                content_type=self.headers.get("Content-Type", ""),
                impersonate_user=impersonate_user,
                impersonate_groups=impersonate_groups,
            )
            self._respond(
                status, response, path=path, username=identity.arn, reason=None, arn=identity.arn
            )
        except OSError:
            self.close_connection = True
        except Exception as exc:
            self._respond(
                500,
                _status(500, "InternalError", "internal error in the EKS API double"),
                path=path,
                username=None,
                reason=f"internal error: {type(exc).__name__}",
            )


class EksApiDouble:
    """Local HTTPS Kubernetes API double for an EKS cluster; use as a context manager."""

    def __init__(
        self,
        *,
        cluster_id: str,
        identities: Mapping[str, Identity] | Callable[[str], Identity | None],
        allowed_sts_hosts: Collection[str] | None = None,
        git_version: str = "v1.32.0",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if not cluster_id:
            raise ValueError("cluster_id must not be empty")
        version_match = _GIT_VERSION_RE.match(git_version)
        if version_match is None:
            raise ValueError(f"git_version {git_version!r} does not look like v<major>.<minor>")
        self.cluster_id = cluster_id
        self.identities: IdentitySource = identities
        self.allowed_sts_hosts: frozenset[str] | None = (
            None if allowed_sts_hosts is None else frozenset(allowed_sts_hosts)
        )
        self.git_version = git_version
        self._major = version_match["major"]
        self._minor = version_match["minor"]
        self._now = now
        self._material = _make_tls_material()
        self.ca_pem: str = self._material.ca_pem
        self.ca_data: str = base64.b64encode(self.ca_pem.encode("ascii")).decode("ascii")
        self.requests: list[RequestRecord] = []
        self._requests_lock = threading.Lock()
        # ConfigMaps by (namespace, name), and the store's revision (etcd's, in a real
        # cluster): every write takes the next one as the object's resourceVersion.
        self._configmaps: dict[tuple[str, str], JsonObject] = {}
        self._revision = 1
        self._scripted: list[_Scripted] = []
        self._store_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("EksApiDouble is not running; use it as a context manager")
        return self._url

    def current_time(self) -> datetime:
        current = datetime.now(UTC) if self._now is None else self._now()
        if current.tzinfo is None:
            raise ValueError("the now() callable must return a timezone-aware datetime")
        return current

    def _record(self, record: RequestRecord) -> None:
        with self._requests_lock:
            self.requests.append(record)

    # -- what tests set up and look at ---------------------------------------------------

    def answer(
        self,
        status: int,
        *,
        path: str | None = None,
        methods: Collection[str] | None = None,
        times: int | None = None,
        body: JsonObject | bytes | None = None,
        message: str | None = None,
    ) -> None:
        """Answer authenticated requests to `path` (any path when None) with `methods` (any
        when None; WRITE_METHODS for writes) with `status`, `times` times (for ever when None)
        instead of serving them.  The body is a Status with `message` unless `body` is given
        (bytes are sent as text/plain).  Scripts are tried in the order they were added."""
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if not 200 <= status <= 599:
            raise ValueError(f"status {status} is not an HTTP status")
        scripted = _Scripted(
            status,
            path,
            None if methods is None else frozenset(m.upper() for m in methods),
            times,
            body,
            message,
        )
        with self._store_lock:
            self._scripted.append(scripted)

    def _take_scripted(self, method: str, path: str) -> _Scripted | None:
        with self._store_lock:
            for scripted in self._scripted:
                if scripted.matches(method, path):
                    if scripted.remaining is not None:
                        scripted.remaining -= 1
                        if scripted.remaining == 0:
                            self._scripted.remove(scripted)
                    return scripted
        return None

    def put_configmap(
        self,
        namespace: str,
        name: str,
        data: Mapping[str, str],
        *,
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> str:
        """Store a ConfigMap as a write by someone else would (created or replaced, next
        resourceVersion); returns its resourceVersion."""
        if namespace not in _NAMESPACES:
            raise ValueError(f"the double has no namespace {namespace!r}")
        metadata: JsonObject = {"name": name, "namespace": namespace}
        if labels is not None:
            metadata["labels"] = dict(labels)
        if annotations is not None:
            metadata["annotations"] = dict(annotations)
        obj: JsonObject = {"metadata": metadata, "data": dict(data)}
        invalid = _invalid_configmap(name, obj)
        if invalid is not None:
            raise ValueError(invalid)
        with self._store_lock:
            stored = self._store(namespace, name, obj)
        return _resource_version(stored)

    def configmap(self, namespace: str, name: str) -> JsonObject | None:
        """A copy of the stored ConfigMap, or None."""
        with self._store_lock:
            found = self._configmaps.get((namespace, name))
            return copy.deepcopy(found) if found is not None else None

    def __enter__(self) -> EksApiDouble:
        if self._server is not None:
            raise RuntimeError("EksApiDouble is already running")
        server = _Server(self, _server_ssl_context(self._material))
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"eks-api-double-{server.server_port}",
            daemon=True,
        )
        thread.start()
        self._server = server
        self._thread = thread
        self._url = f"https://127.0.0.1:{server.server_port}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        server, thread = self._server, self._thread
        self._server = None
        self._thread = None
        self._url = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(timeout=10)

    # -- routes ---------------------------------------------------------------

    def _route(
        self,
        method: str,
        path: str,
        identity: Identity,
        *,
        body: bytes = b"",
        content_type: str = "",
        impersonate_user: str | None = None,
        impersonate_groups: tuple[str, ...] = (),
    ) -> tuple[int, JsonObject]:
        get_routes: dict[str, Callable[[], JsonObject]] = {
            "/version": self._version,
            "/api": self._api_versions,
            "/apis": self._api_group_list,
            "/api/v1": self._core_resources,
            "/api/v1/namespaces": self._namespace_list,
        }
        for version in _AUTH_VERSIONS:
            get_routes[f"/apis/authentication.k8s.io/{version}"] = self._auth_resources(version)

        if path in get_routes:
            if method not in ("GET", "HEAD"):
                return 405, _status(405, "MethodNotAllowed", f"method {method} not allowed")
            return 200, get_routes[path]()

        auth_match = _SELF_SUBJECT_REVIEW_RE.fullmatch(path)
        if auth_match is not None:
            if method != "POST":
                return 405, _status(405, "MethodNotAllowed", f"method {method} not allowed")
            return 201, self._self_subject_review(
                auth_match[1], identity, impersonate_user, impersonate_groups
            )

        namespace_match = _NAMESPACE_RE.fullmatch(path)
        if namespace_match is not None and method in ("GET", "HEAD"):
            name = namespace_match[1]
            if name not in _NAMESPACES:
                return 404, _status(404, "NotFound", f'namespaces "{name}" not found')
            return 200, _namespace(name)

        configmaps_match = _CONFIGMAPS_RE.fullmatch(path)
        if configmaps_match is not None:
            namespace, name = configmaps_match[1], configmaps_match[2]
            if namespace not in _NAMESPACES:
                return 404, _status(404, "NotFound", f'namespaces "{namespace}" not found')
            with self._store_lock:
                if name is None:
                    return self._configmap_collection(method, namespace, body, content_type)
                return self._configmap_item(method, namespace, name, body, content_type)

        return 404, _status(404, "NotFound", "the server could not find the requested resource")

    def _version(self) -> JsonObject:
        return {
            "major": self._major,
            "minor": self._minor,
            "gitVersion": self.git_version,
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": _CREATED,
            "goVersion": "go1.23.0",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _api_versions(self) -> JsonObject:
        address = self._url.removeprefix("https://") if self._url else "127.0.0.1:443"
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
        }

    def _api_group_list(self) -> JsonObject:
        versions = [
            {"groupVersion": f"authentication.k8s.io/{version}", "version": version}
            for version in _AUTH_VERSIONS
        ]
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": "authentication.k8s.io",
                    "versions": versions,
                    "preferredVersion": versions[0],
                }
            ],
        }

    def _core_resources(self) -> JsonObject:
        return {
            "kind": "APIResourceList",
            "groupVersion": "v1",
            "resources": [
                {
                    "name": "namespaces",
                    "singularName": "namespace",
                    "namespaced": False,
                    "kind": "Namespace",
                    "verbs": ["get", "list"],
                    "shortNames": ["ns"],
                },
                {
                    "name": "configmaps",
                    "singularName": "configmap",
                    "namespaced": True,
                    "kind": "ConfigMap",
                    "verbs": ["create", "delete", "get", "list", "patch", "update"],
                    "shortNames": ["cm"],
                },
            ],
        }

    def _auth_resources(self, version: str) -> Callable[[], JsonObject]:
        def resources() -> JsonObject:
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": f"authentication.k8s.io/{version}",
                "resources": [
                    {
                        "name": "selfsubjectreviews",
                        "singularName": "selfsubjectreview",
                        "namespaced": False,
                        "kind": "SelfSubjectReview",
                        "verbs": ["create"],
                    }
                ],
            }

        return resources

    def _namespace_list(self) -> JsonObject:
        return {
            "kind": "NamespaceList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": "1"},
            "items": [_namespace(name) for name in _NAMESPACES],
        }

    def _self_subject_review(
        self,
        version: str,
        identity: Identity,
        impersonate_user: str | None,
        impersonate_groups: tuple[str, ...],
    ) -> JsonObject:
        # As the API server does: an impersonated user with its groups, and
        # system:authenticated added.
        groups = [*impersonate_groups, "system:authenticated"] if impersonate_user else None
        return {
            "kind": "SelfSubjectReview",
            "apiVersion": f"authentication.k8s.io/{version}",
            "metadata": {"creationTimestamp": None},
            "status": {
                "userInfo": {
                    "username": impersonate_user or identity.arn,
                    "groups": groups or ["system:authenticated"],
                }
            },
        }

    # -- ConfigMaps (called with the store lock held) --------------------------------------

    def _configmap_collection(
        self, method: str, namespace: str, body: bytes, content_type: str
    ) -> tuple[int, JsonObject]:
        if method in ("GET", "HEAD"):
            items = [
                copy.deepcopy(obj)
                for (ns, _), obj in sorted(self._configmaps.items())
                if ns == namespace
            ]
            return 200, {
                "kind": "ConfigMapList",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": str(self._revision)},
                "items": items,
            }
        if method != "POST":
            return 405, _status(405, "MethodNotAllowed", f"method {method} not allowed")
        obj, refused = _parse_configmap(body, namespace, content_type)
        if refused is not None:
            return refused
        name = _metadata(obj).get("name")
        invalid = _invalid_configmap(name, obj)
        if invalid is not None:
            return 422, _invalid(name, invalid)
        assert isinstance(name, str)
        if (namespace, name) in self._configmaps:
            return 409, _status(409, "AlreadyExists", f'configmaps "{name}" already exists')
        return 201, copy.deepcopy(self._store(namespace, name, obj))

    def _configmap_item(
        self, method: str, namespace: str, name: str, body: bytes, content_type: str
    ) -> tuple[int, JsonObject]:
        current = self._configmaps.get((namespace, name))
        if method not in ("GET", "HEAD", "PUT", "PATCH", "DELETE"):
            return 405, _status(405, "MethodNotAllowed", f"method {method} not allowed")
        if current is None:
            return 404, _status(404, "NotFound", f'configmaps "{name}" not found')
        if method in ("GET", "HEAD"):
            return 200, copy.deepcopy(current)
        if method == "DELETE":
            del self._configmaps[(namespace, name)]
            self._revision += 1
            return 200, {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {"name": name, "kind": "configmaps", "uid": _metadata(current)["uid"]},
            }
        if method == "PATCH":
            if _media_type(content_type) not in _MERGE_PATCH_TYPES:
                return 415, _unsupported_media_type(_MERGE_PATCH_TYPES)
            patch, refused = _parse_json_object(body)
            if refused is not None:
                return refused
            # A strategic merge patch of a ConfigMap is a JSON merge patch (RFC 7386): its
            # fields are maps of strings ($patch directives are not served).
            requested_version = _metadata(patch).get("resourceVersion")
            obj = _merge_patch(copy.deepcopy(current), patch)
            assert isinstance(obj, dict)
            if _metadata(obj).get("name") != name or _metadata(obj).get("namespace") != namespace:
                return 422, _invalid(name, "metadata.name: Invalid value: field is immutable")
        else:
            obj, refused = _parse_configmap(body, namespace, content_type)
            if refused is not None:
                return refused
            object_name = _metadata(obj).get("name")
            if object_name != name:
                return 400, _status(
                    400,
                    "BadRequest",
                    f"the name of the object ({object_name}) does not match the name on the "
                    f"URL ({name})",
                )
            requested_version = _metadata(obj).get("resourceVersion")
        invalid = _invalid_configmap(name, obj)
        if invalid is not None:
            return 422, _invalid(name, invalid)
        # An empty resourceVersion is an unconditional update, as for ConfigMaps in a cluster.
        if requested_version and requested_version != _resource_version(current):
            return 409, _status(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on configmaps "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again",
            )
        return 200, copy.deepcopy(self._store(namespace, name, obj))

    def _store(self, namespace: str, name: str, obj: JsonObject) -> JsonObject:
        """Store `obj` (checked) as the ConfigMap: server fields set, the next revision."""
        previous = self._configmaps.get((namespace, name))
        self._revision += 1
        source = _metadata(obj)
        metadata: JsonObject = {
            "name": name,
            "namespace": namespace,
            "uid": _metadata(previous)["uid"] if previous else str(uuid.uuid4()),
            "resourceVersion": str(self._revision),
            "creationTimestamp": _metadata(previous)["creationTimestamp"]
            if previous
            else self.current_time().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for key in ("labels", "annotations"):
            if source.get(key):
                metadata[key] = dict(source[key])  # type: ignore[call-overload]
        stored: JsonObject = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": metadata}
        for key in ("data", "binaryData"):
            if obj.get(key):
                stored[key] = dict(obj[key])  # type: ignore[call-overload]
        if obj.get("immutable") is not None:
            stored["immutable"] = obj["immutable"]
        self._configmaps[(namespace, name)] = stored
        return stored


# -- ConfigMap helpers ----------------------------------------------------------------------


def _metadata(obj: JsonObject | None) -> dict[str, object]:
    metadata = obj.get("metadata") if obj is not None else None
    return metadata if isinstance(metadata, dict) else {}


def _resource_version(obj: JsonObject) -> str:
    return str(_metadata(obj)["resourceVersion"])


def _invalid(name: object, cause: str) -> JsonObject:
    return _status(422, "Invalid", f'ConfigMap "{name}" is invalid: {cause}')


def _parse_json_object(body: bytes) -> tuple[JsonObject, tuple[int, JsonObject] | None]:
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):
        obj = None
    if not isinstance(obj, dict):
        return {}, (400, _status(400, "BadRequest", "the body is not a JSON object"))
    return obj, None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _unsupported_media_type(accepted: tuple[str, ...]) -> JsonObject:
    return _status(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
    )


def _parse_configmap(
    body: bytes, namespace: str, content_type: str
) -> tuple[JsonObject, tuple[int, JsonObject] | None]:
    """The ConfigMap a POST or PUT body holds, or the 400 (415: not JSON, which the double
    alone speaks; kubectl's typed clients send protobuf) answer to it."""
    if _media_type(content_type) != "application/json":
        return {}, (415, _unsupported_media_type(("application/json",)))
    obj, refused = _parse_json_object(body)
    if refused is not None:
        return obj, refused
    if obj.get("kind", "ConfigMap") != "ConfigMap" or obj.get("apiVersion", "v1") != "v1":
        return obj, (
            400,
            _status(400, "BadRequest", "the object is not a v1 ConfigMap (kind, apiVersion)"),
        )
    if _metadata(obj).get("namespace") not in (None, "", namespace):
        return obj, (
            400,
            _status(
                400,
                "BadRequest",
                "the namespace of the provided object does not match the namespace sent on "
                "the request",
            ),
        )
    return obj, None


def _invalid_configmap(name: object, obj: JsonObject) -> str | None:
    """What the API server's validation would say of the ConfigMap `obj`, or None."""
    if not isinstance(name, str) or not name:
        return "metadata.name: Required value: name or generateName is required"
    if len(name) > 253 or not _DNS_SUBDOMAIN_RE.fullmatch(name):
        return f'metadata.name: Invalid value: "{name}": a lowercase RFC 1123 subdomain'
    metadata = _metadata(obj)
    for field in ("labels", "annotations"):
        if not _string_map(metadata.get(field)):
            return f"metadata.{field}: Invalid value: not a map of strings"
    for field in ("data", "binaryData"):
        values = obj.get(field)
        if not _string_map(values):
            return f"{field}: Invalid value: not a map of strings"
        for key in values or {}:  # type: ignore[attr-defined]
            if len(key) > 253 or not _DATA_KEY_RE.fullmatch(key):
                return (
                    f'{field}[{key}]: Invalid value: "{key}": a valid config key must consist '
                    "of alphanumeric characters, '-', '_' or '.'"
                )
    overlap = set(obj.get("data") or {}) & set(obj.get("binaryData") or {})  # type: ignore[call-overload]
    if overlap:
        return f"data[{min(overlap)}]: Invalid value: duplicate of key present in binaryData"
    if not isinstance(obj.get("immutable", False), (bool, type(None))):
        return "immutable: Invalid value: not a boolean"
    return None


def _string_map(value: object) -> bool:
    return value is None or (
        isinstance(value, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


def _merge_patch(target: object, patch: object) -> object:
    """RFC 7386: `patch` merged into `target`; null removes a key."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge_patch(merged.get(key), value)
    return merged
