"""An STS double on 127.0.0.1 for AssumeRole: it answers from a script (status, body, or a
stall, or a dropped connection), records each request, and checks each SigV4 signature with
botocore's own signer, so that our signer is held to botocore's on every request it sees."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from tests.support.eks_double import _make_tls_material, _server_ssl_context

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
DROP = -1  # close the connection without an answer


def success(key: str = "ASIAEXAMPLEROLEKEY01", expiration: str = "2030-01-02T03:04:05Z") -> str:
    return (
        f'<AssumeRoleResponse xmlns="{NS}"><AssumeRoleResult>'
        "<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>"
        "<Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>"
        f"<Credentials><AccessKeyId>{key}</AccessKeyId>"
        "<SecretAccessKey>role/secret+key</SecretAccessKey>"
        "<SessionToken>FwoGZXIvYXdzEXAMPLE//token==</SessionToken>"
        f"<Expiration>{expiration}</Expiration></Credentials>"
        "</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    )


def error(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>r-2</RequestId></ErrorResponse>"
    )


@dataclass
class Answer:
    status: int
    body: str = ""
    stall: float = 0.0  # seconds to wait before answering


@dataclass
class Seen:
    params: dict[str, str]
    user_agent: str
    signature_ok: bool


@dataclass
class StsDouble:
    secrets: dict[str, str]  # access key id -> secret, to check signatures
    script: list[Answer] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    ca_pem: str = ""  # with tls: the CA that signed its certificate

    def answer(self) -> Answer:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def _check_signature(
    double: StsDouble, method: str, url: str, headers: dict[str, str], body: bytes
) -> bool:
    auth = headers.get("authorization", "")
    try:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0]
        signed = auth.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
        signature = auth.split("Signature=", 1)[1].strip()
    except IndexError:
        return False
    key_id, date, region, service, _ = credential.split("/")
    token = headers.get("x-amz-security-token")
    creds = BotoCredentials(key_id, double.secrets.get(key_id, ""), token)
    request = AWSRequest(method=method, url=url, data=body, headers={n: headers[n] for n in signed})
    request.context["timestamp"] = headers["x-amz-date"]
    signer = SigV4Auth(creds, service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return bool(date == headers["x-amz-date"][:8] and expected == signature)


@contextmanager
def sts_double(
    secrets: dict[str, str], script: list[Answer], *, tls: bool = False
) -> Iterator[StsDouble]:
    double = StsDouble(secrets, list(script))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            ok = _check_signature(double, "POST", double.url + self.path.lstrip("/"), headers, body)
            double.seen.append(
                Seen(dict(parse_qsl(body.decode())), headers.get("user-agent", ""), ok)
            )
            answer = double.answer()
            if answer.stall:
                time.sleep(answer.stall)
            if answer.status == DROP:
                self.close_connection = True
                self.connection.close()
                return
            data = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    double.url = f"http://127.0.0.1:{server.server_address[1]}/"
    if tls:
        material = _make_tls_material()
        context = _server_ssl_context(material)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        double.url, double.ca_pem = double.url.replace("http:", "https:"), material.ca_pem
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
