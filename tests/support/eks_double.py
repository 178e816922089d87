from __future__ import annotations

# A local HTTPS Kubernetes API server double that authenticates EKS bearer tokens.
#
# It listens on 127.0.0.1 only, serves a certificate signed by a CA generated per
# instance, checks every request's "Authorization: Bearer k8s-aws-v1...." token with
# tests.support.verifier, and answers the handful of routes that kubectl needs for
# `kubectl get namespaces` and `kubectl auth whoami`.  Tokens are never logged.
import base64
import contextlib
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

__all__ = ["EksApiDouble", "Identity", "RequestRecord"]

JsonObject = dict[str, object]

_MAX_BODY_BYTES = 1 << 20
_CONNECTION_TIMEOUT_SECONDS = 30.0
_CREATED = "2024-01-01T00:00:00Z"
_GIT_VERSION_RE = re.compile(r"\Av?(?P<major>[0-9]+)\.(?P<minor>[0-9]+)")
_AUTH_VERSIONS = ("v1", "v1beta1", "v1alpha1")
_SELF_SUBJECT_REVIEW_RE = re.compile(
    r"/apis/authentication\.k8s\.io/(v1|v1beta1|v1alpha1)/selfsubjectreviews"
)
_NAMESPACE_RE = re.compile(r"/api/v1/namespaces/([a-z0-9-]+)(/configmaps)?")


@dataclass(frozen=True)
class Identity:
    """An IAM principal the double knows, keyed by access key id."""

    arn: str
    secret: str


@dataclass(frozen=True)
class RequestRecord:
    """One request the double answered (never contains the token)."""

    method: str
    path: str
    status: int
    username: str | None
    reason: str | None


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
        body: JsonObject,
        *,
        path: str,
        username: str | None,
        reason: str | None,
    ) -> None:
        # Record before answering, so a client that has its response sees the record.
        self.server.double._record(
            RequestRecord(
                method=self.command, path=path, status=status, username=username, reason=reason
            )
        )
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Length", str(len(payload)))
        if status >= 400 and status != 401 and status != 404:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

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
            status, response = self.server.double._route(self.command, path, identity)
            self._respond(status, response, path=path, username=identity.arn, reason=None)
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

    def _route(self, method: str, path: str, identity: Identity) -> tuple[int, JsonObject]:
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
            return 201, self._self_subject_review(auth_match[1], identity)

        namespace_match = _NAMESPACE_RE.fullmatch(path)
        if namespace_match is not None and method in ("GET", "HEAD"):
            name = namespace_match[1]
            if name not in _NAMESPACES:
                return 404, _status(404, "NotFound", f'namespaces "{name}" not found')
            if namespace_match[2]:
                return 200, {
                    "kind": "ConfigMapList",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": "1"},
                    "items": [],
                }
            return 200, _namespace(name)

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
                    "verbs": ["get", "list"],
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

    def _self_subject_review(self, version: str, identity: Identity) -> JsonObject:
        return {
            "kind": "SelfSubjectReview",
            "apiVersion": f"authentication.k8s.io/{version}",
            "metadata": {"creationTimestamp": None},
            "status": {
                "userInfo": {
                    "username": identity.arn,
                    "groups": ["system:authenticated"],
                }
            },
        }
