"""The suite's AWS side: fake credentials, the known-answer vector, the isolated environment the
`aws_env` fixture builds, and moto helpers (moto runs in this process)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support.tools import BIN_DIR, real_tool

# The known answer (aws-iam-authenticator's test vector).
KAT_ACCESS_KEY = "ASIAR2TG44V6AS3ZZE7C"
KAT_SECRET = "4KD5cntGcVmLWRdF5wvNRuzNL5Qxmp6OKVY6Fz/Q"
KAT_SIGNATURE = "e211dba77aba9dc44b0b6be38b8eaad092599c5157f6314444c5b9d85747f5ce"
TEST_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEST_ARN = "arn:aws:iam::123456789012:user/test"


@dataclass
class AwsEnv:
    env: dict[str, str]
    home: Path
    cache_dir: Path
    config_file: Path
    credentials_file: Path

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed console script, as kubectl and Terraform do."""
        real_tool("the eks-tf-auth console script")
        return subprocess.run(
            [str(BIN_DIR / "eks-tf-auth"), *args],
            env=dict(env if env is not None else self.env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )


MOTO_CLUSTER = "prod"


def moto_cluster_ca(name: str) -> None:
    """Give moto's cluster `name` a real PEM CA (moto's own is random text)."""
    from moto.eks.models import eks_backends

    from tests.support.eks_double import EksApiDouble

    ca_data = EksApiDouble(cluster_id=name, identities={}).ca_data
    for by_region in eks_backends.values():
        for backend in by_region.values():
            if name in backend.clusters:
                backend.clusters[name].certificate_authority = {"data": ca_data}


@dataclass(frozen=True)
class MotoSession:
    arn: str
    role_arn: str
    session_name: str
    external_id: str | None
    secret_access_key: str
    session_token: str


def moto_sessions() -> dict[str, MotoSession]:
    """Every role session moto has handed out, by access key id (moto runs in this process)."""
    from moto.sts.models import sts_backends

    found: dict[str, MotoSession] = {}
    for by_partition in list(sts_backends.values()):
        for backend in list(by_partition.values()):
            for role in backend.assumed_roles:
                found[role.access_key_id] = MotoSession(
                    role.arn,
                    role.role_arn,
                    role.session_name,
                    role.external_id,
                    role.secret_access_key,
                    role.session_token,
                )
    return found
