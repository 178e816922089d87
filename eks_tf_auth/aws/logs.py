"""CloudWatch Logs as `doctor` reads it: the EKS authenticator's "access denied" lines for one
principal, from the cluster's control-plane log group (`/aws/eks/NAME/cluster`, streams
`authenticator-*`), when the cluster sends authenticator logs there.

The client is injected (`client()` builds one), so tests can hand in a `Stubber`. boto3-stubs for
CloudWatch Logs are not a dependency, so the client is typed by the one method used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol, cast

from eks_tf_auth.aws.errors import translate_errors

if TYPE_CHECKING:
    from eks_tf_auth.aws.credentials import Credentials

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"
STREAM_PREFIX = "authenticator"
DENIED_PATTERN = '"access denied"'
MAX_PAGES = 5  # a bounded look back: the newest lines are what matter
MAX_LINE = 300


class LogsClient(Protocol):
    def filter_log_events(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class LogLine:
    at: datetime
    message: str  # one line, at most MAX_LINE characters, secrets redacted


def log_group(cluster: str) -> str:
    return f"/aws/eks/{cluster}/cluster"


def client(
    profile: str | None, credentials: Credentials, *, region: str, environ: Mapping[str, str]
) -> LogsClient:
    """A CloudWatch Logs client; the endpoint follows AWS_ENDPOINT_URL_CLOUDWATCH_LOGS."""
    from eks_tf_auth.aws.session import session

    sess = session(profile, environ)
    with translate_errors(
        "cannot create a CloudWatch Logs client", endpoint_variable=ENDPOINT_VARIABLE
    ):
        return cast(
            "LogsClient",
            sess.create_client(
                "logs",
                region_name=region,
                aws_access_key_id=credentials.access_key_id,
                aws_secret_access_key=credentials.secret_access_key,
                aws_session_token=credentials.session_token,
            ),
        )


def denied_lines(
    logs: LogsClient,
    cluster: str,
    principals: Sequence[str],
    *,
    since: datetime,
    limit: int = 3,
) -> list[LogLine]:
    """The newest `limit` "access denied" lines of the authenticator since `since` that name one
    of `principals` (ARNs, compared case-insensitively), oldest first."""
    from eks_tf_auth.token import redact

    wanted = [p.lower() for p in principals if p]
    params: dict[str, Any] = {
        "logGroupName": log_group(cluster),
        "logStreamNamePrefix": STREAM_PREFIX,
        "filterPattern": DENIED_PATTERN,
        "startTime": int(since.timestamp() * 1000),
    }
    found: list[LogLine] = []
    with translate_errors(
        f"cannot read the authenticator logs of cluster {cluster!r}",
        endpoint_variable=ENDPOINT_VARIABLE,
    ):
        for _ in range(MAX_PAGES):
            page = logs.filter_log_events(**params)
            for event in page.get("events", []):
                text = " ".join(str(event.get("message", "")).split())
                if any(p in text.lower() for p in wanted):
                    at = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, timezone.utc)
                    line = redact(text)
                    found.append(
                        LogLine(at, line[: MAX_LINE - 3] + "..." if len(line) > MAX_LINE else line)
                    )
            token = page.get("nextToken")
            if not token:
                break
            params["nextToken"] = token
    found.sort(key=lambda line: line.at)
    return found[-limit:] if limit else []
