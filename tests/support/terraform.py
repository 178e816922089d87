"""Real `terraform`, offline: a CLI config whose filesystem_mirror is the provider mirror that
ships with the machine (found by looking, or named by EKS_TF_AUTH_TF_MIRROR)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

MIRROR_ENV = "EKS_TF_AUTH_TF_MIRROR"
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
AWS_PROVIDER_GLOB = "registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws_*"


def find_mirror() -> Path | None:
    """A directory in filesystem_mirror layout that holds the hashicorp/aws provider."""
    candidates = [os.environ[MIRROR_ENV]] if os.environ.get(MIRROR_ENV) else []
    candidates += [os.path.expanduser(c) for c in MIRROR_CANDIDATES]
    for candidate in candidates:
        path = Path(candidate)
        if path.is_dir() and next(path.glob(AWS_PROVIDER_GLOB), None) is not None:
            return path
    return None


def write_cli_config(path: Path, mirror: Path) -> Path:
    path.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/*/*"]\n  }\n'
        "}\n"
    )
    return path


class Terraform:
    def __init__(self, binary: str, workdir: Path, cli_config: Path, env: Mapping[str, str]):
        self.binary = binary
        self.workdir = workdir
        self.env = {
            **env,
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "TF_PLUGIN_CACHE_DIR": "",
        }

    def run(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [self.binary, *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
            )
        return proc


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def tf_files(roots: Sequence[Path]) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.tf") if ".terraform" not in p.parts)


def fmt_check(binary: str, path: Path, scratch: Path) -> subprocess.CompletedProcess[str]:
    """`terraform fmt -check -diff` on a file or (recursively) a directory."""
    recursive = ["-recursive"] if path.is_dir() else []
    return subprocess.run(
        [binary, "fmt", "-check", "-diff", *recursive, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": str(scratch / "none.tfrc")},
    )
