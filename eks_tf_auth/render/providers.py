"""`render provider`: provider blocks for kubernetes, helm and kubectl that get their token from
an exec block, with host and CA from the eks-exec-auth module (by default this repository's, at
`release.REF`), an aws_eks_cluster data source, or literal values. With the kubectl provider comes
its `required_providers` entry: Terraform would otherwise look for hashicorp/kubectl, which does
not exist."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from eks_tf_auth import identity, validate
from eks_tf_auth.errors import InputError
from eks_tf_auth.exec import argv
from eks_tf_auth.exec.protocol import DEFAULT_API_VERSION, check_api_version
from eks_tf_auth.render import release
from eks_tf_auth.render.env import check_text, hcl, render
from eks_tf_auth.validate import quoted

PROVIDERS = ("kubernetes", "helm", "kubectl")
HELM_SYNTAXES = ("block", "attribute")
MODULE_NAME = "eks"  # the labels the provider blocks refer to
DATA_NAME = "this"
DEFAULT_MODULE_SOURCE = release.MODULE_SOURCE  # mirrored in commands/_options.py
# The kubectl provider's registry address: the maintained fork (see required_providers.tf.j2).
KUBECTL_SOURCE = "alekc/kubectl"
KUBECTL_VERSION = ">= 2.0.0"  # its 2.x releases take host, CA, load_config_file and exec


class Source(enum.Enum):
    MODULE = "module"
    DATA = "data"
    LITERAL = "literal"


@dataclass(frozen=True)
class ExecExpr:
    """The exec block's attributes as HCL expressions."""

    api_version: str
    command: str
    args: str
    env: str | None


@dataclass(frozen=True)
class ProviderRequest:
    who: identity.ClusterRequest  # cluster_name is set
    providers: Sequence[str] = PROVIDERS
    helm_syntax: str = "block"
    source: Source = Source.MODULE
    command: str = argv.DEFAULT_COMMAND
    api_version: str = DEFAULT_API_VERSION
    endpoint: str | None = None  # Source.LITERAL
    ca_data: str | None = None  # Source.LITERAL: base64 PEM
    module_source: str = DEFAULT_MODULE_SOURCE
    alias: str | None = None

    def __post_init__(self) -> None:
        _validate(self)


def with_region(req: ProviderRequest, environ: Mapping[str, str]) -> ProviderRequest:
    """The exec arguments of `--source data` and `literal` carry the region: the request's, else
    the environment's or the profile's. `--source module` leaves it to the AWS provider."""
    if req.source is Source.MODULE:
        return req
    return replace(req, who=replace(req.who, region=identity.region(req.who, environ)))


def render_providers(req: ProviderRequest) -> str:
    who = req.who
    parts: list[str] = []
    if req.source is Source.MODULE:
        parts.append(_module_block(req))
        mod = f"module.{MODULE_NAME}"
        host, ca = f"{mod}.host", f"{mod}.cluster_ca_certificate"
        e = ExecExpr(*(f"{mod}.exec.{k}" for k in ("api_version", "command", "args", "env")))
    else:
        if who.region is None:
            raise InputError(
                "--region is needed with --source data or literal",
                hint="the exec arguments carry the region; --source module can take it from the "
                "AWS provider",
            )
        env = argv.env(who.profile)
        e = ExecExpr(
            hcl(req.api_version),
            hcl(req.command),
            hcl(argv.build(req.command, who, who.region)),
            hcl(env) if env else None,
        )
        if req.source is Source.DATA:
            parts.append(render("source_data.tf.j2", name=DATA_NAME, cluster_name=who.cluster_name))
            data = f"data.aws_eks_cluster.{DATA_NAME}"
            host, ca = f"{data}.endpoint", f"base64decode({data}.certificate_authority[0].data)"
        else:
            assert req.endpoint is not None and req.ca_data is not None  # checked in _validate
            host, ca = hcl(req.endpoint), f"base64decode({hcl(req.ca_data)})"
    context = {"host": host, "ca": ca, "exec": e, "alias": req.alias, "helm": req.helm_syntax}
    for p in req.providers:
        if p == "kubectl":  # its registry address, just above the block that needs it
            parts.append(
                render("required_providers.tf.j2", source=KUBECTL_SOURCE, version=KUBECTL_VERSION)
            )
        parts.append(render(f"provider_{p}.tf.j2", **context))
    return "\n".join(parts)


def _module_block(req: ProviderRequest) -> str:
    inputs = [
        ("cluster_name", req.who.cluster_name),
        ("region", req.who.region),
        ("role_arn", req.who.role_arn),
        ("profile", req.who.profile),
        ("command", None if req.command == argv.DEFAULT_COMMAND else req.command),
        ("api_version", None if req.api_version == DEFAULT_API_VERSION else req.api_version),
    ]
    given = [(k, v) for k, v in inputs if v is not None]
    width = max(len(k) for k, _ in given)
    return render(
        "source_module.tf.j2",
        name=MODULE_NAME,
        module_source=req.module_source,
        inputs=given,
        width=width,
    )


def _validate(req: ProviderRequest) -> None:
    if req.who.cluster_name is None:
        raise InputError("no cluster given", hint="pass --cluster-name")
    if req.who.profile is not None:
        validate.profile(req.who.profile)
    check_api_version(req.api_version)
    if req.alias is not None:
        validate.identifier(req.alias, "--alias")
    unknown = [p for p in req.providers if p not in PROVIDERS]
    if unknown or not req.providers:
        raise InputError(
            f"unknown provider(s): {', '.join(unknown) or 'none given'}",
            hint=f"choose from {', '.join(PROVIDERS)}",
        )
    if req.helm_syntax not in HELM_SYNTAXES:
        raise InputError(
            f"unknown helm syntax {quoted(req.helm_syntax)}", hint="block or attribute"
        )
    validate.command(req.command)
    check_text(req.module_source, "--module-source")
    if req.source is Source.LITERAL:
        if not (req.endpoint and req.ca_data):
            raise InputError("--source literal needs --endpoint and --ca-data")
        validate.endpoint(req.endpoint)
        validate.ca_data(req.ca_data)
