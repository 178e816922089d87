"""The Terraform providers that connect to a Kubernetes cluster, and where each one keeps that
connection: the one table that connections.py reads and docs/providers.md is generated from.

A provider can hold its connection in the provider block itself (`provider "kubernetes"`), in a
nested block (`provider "helm" { kubernetes { ... } }`) or in an object attribute
(`provider "helm" { kubernetes = { ... } }`); a provider whose connection changed shape between
major versions has one row per shape."""

from __future__ import annotations

import enum
from dataclasses import dataclass

REGISTRY = "https://registry.terraform.io/providers/{source}/latest/docs"


class Holder(enum.Enum):
    """Where a provider keeps its cluster connection."""

    PROVIDER = "the provider block"
    BLOCK = "a nested block"
    ATTRIBUTE = "an object attribute"


@dataclass(frozen=True)
class ProviderForm:
    provider: str  # the provider's type, as configurations name it: provider "<provider>" {}
    source: str  # its registry address
    versions: str  # the versions that use this shape
    holder: Holder
    key: str  # the nested block or attribute that holds the connection ("" for the provider)
    token: str  # the argument that carries the token
    exec: bool  # whether the connection takes an exec block instead of a token
    unfixable: str = ""  # why --fix cannot rewrite it ("": it can)
    # The token argument is a whole kubeconfig document (YAML), built by templatefile(),
    # yamlencode() or a template: a finding follows it into the local that builds it.
    kubeconfig: bool = False

    @property
    def docs(self) -> str:
        return REGISTRY.format(source=self.source)

    @property
    def syntax(self) -> str:
        """How the token is set, in HCL."""
        token = f"{self.token} = ..."
        if self.holder is Holder.PROVIDER:
            return f'provider "{self.provider}" {{ {token} }}'
        opener = f"{self.key} {{" if self.holder is Holder.BLOCK else f"{self.key} = {{"
        return f'provider "{self.provider}" {{ {opener} {token} }} }}'


KUBECONFIG_UNFIXABLE = (
    "the kustomization provider reads a whole kubeconfig: give its user an exec entry "
    "(or use kubeconfig_path) by hand"
)

FORMS: tuple[ProviderForm, ...] = (
    ProviderForm("kubernetes", "hashicorp/kubernetes", "all", Holder.PROVIDER, "", "token", True),
    ProviderForm(
        "kubernetes-alpha", "hashicorp/kubernetes-alpha", "all", Holder.PROVIDER, "", "token", True
    ),
    ProviderForm("kubectl", "gavinbunney/kubectl", "all", Holder.PROVIDER, "", "token", True),
    ProviderForm("helm", "hashicorp/helm", "2.x", Holder.BLOCK, "kubernetes", "token", True),
    ProviderForm("helm", "hashicorp/helm", "3.x", Holder.ATTRIBUTE, "kubernetes", "token", True),
    ProviderForm("flux", "fluxcd/flux", "0.x", Holder.BLOCK, "kubernetes", "token", True),
    ProviderForm("flux", "fluxcd/flux", "1.x", Holder.ATTRIBUTE, "kubernetes", "token", True),
    ProviderForm(
        "kustomization",
        "kbst/kustomization",
        "all",
        Holder.PROVIDER,
        "",
        "kubeconfig_raw",
        False,
        KUBECONFIG_UNFIXABLE,
        kubeconfig=True,
    ),
)

# The provider types, in the table's order.
PROVIDER_TYPES: tuple[str, ...] = tuple(dict.fromkeys(f.provider for f in FORMS))


def forms_of(provider: str) -> tuple[ProviderForm, ...]:
    """The shapes a provider's connection can take (none for a provider that is not here)."""
    return tuple(f for f in FORMS if f.provider == provider)
