"""`render provider`: provider blocks for kubernetes, helm and kubectl that get their token from
an exec block, with host and CA from the eks-exec-auth module, an aws_eks_cluster data source, or
literal values."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from eks_tf_auth import exec_args, validate
from eks_tf_auth.errors import InputError
from eks_tf_auth.exec_credential import API_V1, API_VERSIONS, DEFAULT_API_VERSION
from eks_tf_auth.render import hcl, render

PROVIDERS = ("kubernetes", "helm", "kubectl")
HELM_SYNTAXES = ("block", "attribute")
MODULE_NAME = "eks"  # the labels the provider blocks refer to
DATA_NAME = "this"
DEFAULT_MODULE_SOURCE = "./modules/eks-exec-auth"


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
    cluster_name: str
    region: str | None = None
    role_arn: str | None = None
    profile: str | None = None
    providers: Sequence[str] = PROVIDERS
    helm_syntax: str = "block"
    source: Source = Source.MODULE
    command: str = exec_args.DEFAULT_COMMAND
    api_version: str = DEFAULT_API_VERSION
    endpoint: str | None = None  # Source.LITERAL
    ca_data: str | None = None  # Source.LITERAL: base64 PEM
    module_source: str = DEFAULT_MODULE_SOURCE
    alias: str | None = None


def render_providers(req: ProviderRequest) -> str:
    _validate(req)
    parts: list[str] = []
    if req.source is Source.MODULE:
        parts.append(_module_block(req))
        mod = f"module.{MODULE_NAME}"
        host, ca = f"{mod}.host", f"{mod}.cluster_ca_certificate"
        e = ExecExpr(*(f"{mod}.exec.{k}" for k in ("api_version", "command", "args", "env")))
    else:
        if req.region is None:
            raise InputError(
                "--region is needed with --source data or literal",
                hint="the exec arguments carry the region; --source module can take it from the "
                "AWS provider",
            )
        who = exec_args.Identity(
            req.cluster_name, req.region, role_arn=req.role_arn, profile=req.profile
        )
        env = exec_args.env(who)
        e = ExecExpr(
            hcl(req.api_version),
            hcl(req.command),
            hcl(exec_args.build(req.command, who)),
            hcl(env) if env else None,
        )
        if req.source is Source.DATA:
            parts.append(render("source_data.tf.j2", name=DATA_NAME, cluster_name=req.cluster_name))
            data = f"data.aws_eks_cluster.{DATA_NAME}"
            host, ca = f"{data}.endpoint", f"base64decode({data}.certificate_authority[0].data)"
        else:
            assert req.endpoint is not None and req.ca_data is not None  # checked in _validate
            host, ca = hcl(req.endpoint), f"base64decode({hcl(req.ca_data)})"
    context = {"host": host, "ca": ca, "exec": e, "alias": req.alias, "helm": req.helm_syntax}
    parts += [render(f"provider_{p}.tf.j2", **context) for p in req.providers]
    return "\n".join(parts)


def _module_block(req: ProviderRequest) -> str:
    inputs = [
        ("cluster_name", req.cluster_name),
        ("region", req.region),
        ("role_arn", req.role_arn),
        ("profile", req.profile),
        ("command", None if req.command == exec_args.DEFAULT_COMMAND else req.command),
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
    validate.cluster_name(req.cluster_name)
    if req.region is not None:
        validate.region(req.region)
    if req.role_arn is not None:
        validate.role_arn(req.role_arn)
    if req.profile is not None:
        validate.profile(req.profile)
    if req.alias is not None:
        validate.identifier(req.alias, "--alias")
    unknown = [p for p in req.providers if p not in PROVIDERS]
    if unknown or not req.providers:
        raise InputError(
            f"unknown provider(s): {', '.join(unknown) or 'none given'}",
            hint=f"choose from {', '.join(PROVIDERS)}",
        )
    if req.helm_syntax not in HELM_SYNTAXES:
        raise InputError(f"unknown helm syntax {req.helm_syntax!r}", hint="block or attribute")
    if req.api_version not in API_VERSIONS:
        raise InputError(
            f"unsupported apiVersion {req.api_version!r}",
            hint=f"use {API_V1} or {DEFAULT_API_VERSION}",
        )
    validate.command(req.command)
    if req.source is Source.LITERAL:
        if not (req.endpoint and req.ca_data):
            raise InputError("--source literal needs --endpoint and --ca-data")
        validate.endpoint(req.endpoint)
        validate.ca_data(req.ca_data)
