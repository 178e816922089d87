"""The two Kubernetes API requests doctor makes that `kube.client` does not offer: a
SelfSubjectReview (`kubectl auth whoami`: who the cluster says the token is) and a ServiceAccount
read (its IRSA annotation). They are plain JSON over HTTPS, so the standard library makes them,
with what `kube.client` always has: TLS verified against the cluster's CA and its bounds on
connecting and waiting (`kube.client.TIMEOUT_ENV`). Every answer, a refusal included, is an
`Answer`; only an API server that cannot be reached raises (`KubeError`, one line).
"""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from eks_tf_auth.errors import KubeError

REVIEW_VERSIONS = ("v1", "v1beta1", "v1alpha1")  # SelfSubjectReview: GA in 1.28, beta in 1.27
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    body: Mapping[str, Any] = field(default_factory=dict)  # {} unless a JSON object came back

    @property
    def message(self) -> str:
        """A Kubernetes Status's message, else the HTTP reason."""
        message = self.body.get("message")
        text = message if isinstance(message, str) else http.client.responses.get(self.status, "")
        return " ".join(text.split())[:300]


@dataclass(frozen=True)
class Server:
    url: str  # https://host[:port]
    ca_pem: str | None  # None: the system's trust store
    token: str = field(repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0

    def request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Answer:
        parts = urlsplit(self.url)
        if parts.scheme != "https" or not parts.hostname:
            raise KubeError(f"the API server URL {self.url!r} is not https")
        try:
            context = ssl.create_default_context(cadata=self.ca_pem)
        except (ssl.SSLError, ValueError) as e:
            raise KubeError(
                f"the CA for {self.url} holds no PEM certificate",
                hint="check the certificate-authority-data (DescribeCluster's or the kubeconfig's)",
            ) from e
        conn = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=self.connect_timeout, context=context
        )
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.connect()
            assert conn.sock is not None
            conn.sock.settimeout(self.read_timeout)
            conn.request(method, parts.path.rstrip("/") + path, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read(MAX_BODY)
        except ssl.SSLCertVerificationError as e:
            raise KubeError(
                f"the API server {self.url} has a certificate the cluster's CA did not sign "
                f"({e.verify_message})",
                hint="check the CA (certificate-authority-data) and the server URL",
            ) from e
        except (OSError, http.client.HTTPException) as e:
            reason = " ".join(str(e).split()) or type(e).__name__
            raise KubeError(
                f"cannot reach the API server {self.url}: {reason}",
                hint="a private endpoint needs a VPN, a bastion or a proxy; check the URL",
            ) from e
        finally:
            conn.close()
        try:
            doc = json.loads(data)
        except ValueError:
            doc = None
        return Answer(response.status, doc if isinstance(doc, dict) else {})


def self_subject_review(server: Server) -> Answer:
    """POST a SelfSubjectReview, at the newest version the server serves."""
    answer = Answer(404)
    for version in REVIEW_VERSIONS:
        body = {"apiVersion": f"authentication.k8s.io/{version}", "kind": "SelfSubjectReview"}
        answer = server.request(
            "POST", f"/apis/authentication.k8s.io/{version}/selfsubjectreviews", body
        )
        if answer.status != 404:
            break
    return answer


def service_account(server: Server, namespace: str, name: str) -> Answer:
    return server.request("GET", f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}")
