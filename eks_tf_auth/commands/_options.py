"""What the commands share: the identity flags (named as the AWS CLI names them, the same on
every command) and every choice and default the commands offer. The values are literals so that
`--help` and the cold `exec` path load no core module; `tests/commands/test_options.py` holds
each one equal to the core's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

# eks_tf_auth.exec.protocol.API_VERSIONS and its defaults
API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
API_V1 = API_VERSIONS[0]
API_V1BETA1 = API_VERSIONS[1]
DEFAULT_COMMAND = "eks-tf-auth"  # eks_tf_auth.exec.argv.DEFAULT_COMMAND
# eks_tf_auth.render.providers
PROVIDERS = ("kubernetes", "helm", "kubectl")
HELM_SYNTAXES = ("block", "attribute")
SOURCES = ("module", "data", "literal")
# render.release.MODULE_SOURCE: this repository's module at the pinned commit
DEFAULT_MODULE_SOURCE = (
    "git::https://github.com/eks-tf-auth/eks-tf-auth.git//terraform/modules/eks-exec-auth"
    "?ref=7620bcc749e828885b4402d3553a23d535b62208"
)
# eks_tf_auth.render.atlantis
ATLANTIS_FILES = ("repos.yaml", "Dockerfile", "identity.tf")
ATLANTIS_BASE_IMAGE = "ghcr.io/runatlantis/atlantis:v0.35.0"
ATLANTIS_INSTALLS = ("pip", "standalone")
ATLANTIS_STANDALONE_BASE_IMAGE = f"{ATLANTIS_BASE_IMAGE}-debian"
ATLANTIS_IDENTITIES = ("pod-identity", "irsa")
ATLANTIS_SERVICE_ACCOUNT = "atlantis/atlantis"
ATLANTIS_ROLE_NAME = "atlantis"
# eks_tf_auth.lint.formats.FORMATS, eks_tf_auth.lint.fix's modes, eks_tf_auth.lint.rule.FAIL_ON
LINT_FORMATS = ("text", "json", "sarif", "github", "atlantis")
FIX_MODES = ("exec", "ephemeral")
FAIL_ON = ("error", "warning")
# eks_tf_auth.access: the modes set-mode can switch to, and plan's outputs
AUTH_MODES = ("API_AND_CONFIG_MAP", "API")
PLAN_OUTPUTS = ("text", "json")


def cluster_name(*, multiple: bool = False, required: bool = False, help: str) -> Callable[[F], F]:
    name = "cluster_names" if multiple else "cluster_name"
    return click.option("--cluster-name", name, multiple=multiple, required=required, help=help)


def region(help: str = "AWS region of the cluster [env: AWS_REGION, profile].") -> Callable[[F], F]:
    return click.option("--region", help=help)


def profile(help: str = "AWS profile to take credentials from.") -> Callable[[F], F]:
    return click.option("--profile", help=help)


def role_arn(help: str = "IAM role to assume.", *, multiple: bool = False) -> Callable[[F], F]:
    return click.option("--role-arn", "--role", "role_arn", multiple=multiple, help=help)


def assume_role_extras(f: F) -> F:
    """--external-id and --session-name, which go with --role-arn."""
    f = click.option("--session-name", help="Role session name for assuming --role-arn.")(f)
    return click.option("--external-id", help="External id for assuming --role-arn.")(f)


def api_version(default: str) -> Callable[[F], F]:
    return click.option(
        "--api-version", type=click.Choice(API_VERSIONS), default=default, show_default=True
    )


def command(
    help: str = "What exec runs: eks-tf-auth, or aws for 'aws eks get-token'.",
) -> Callable[[F], F]:
    return click.option("--command", default=DEFAULT_COMMAND, show_default=True, help=help)
