"""Kubeconfig: the context kubectl would use (--kubeconfig/--context, else the default kubeconfig's
context for this cluster) and its exec block: an apiVersion kubectl still speaks (v1alpha1 went in
1.24), the command on PATH, interactiveMode, arguments that ask for the cluster and region the
server URL is, a server and CA that still match DescribeCluster, and impersonation (`as`: the
API server then authorizes that user, and the caller's access policies do not apply).
"""

from __future__ import annotations

import base64
import binascii
import re

from eks_tf_auth.doctor.facts import Facts, Failed, KubeconfigFacts, got
from eks_tf_auth.doctor.model import (
    Check,
    Evidence,
    Result,
    Results,
    failed,
    passed,
    skipped,
    warned,
)
from eks_tf_auth.exec.protocol import API_V1ALPHA1, API_VERSIONS

EKS_HOST = re.compile(
    r"\.(?P<region>[a-z]{2,4}(?:-[a-z]+)+-\d{1,2})\.eks\.amazonaws\.com(?:\.cn)?$"
)
RENDER = "eks-tf-auth render kubeconfig --cluster-name {name} --region {region} --merge-into {path}"


def check(facts: Facts, results: Results) -> Result:
    kube = facts.kubeconfig
    if kube is None:
        return skipped("no kubeconfig context for this cluster (kubectl is not set up here)")
    if isinstance(kube, Failed):
        return warned(f"cannot read the kubeconfig: {kube.message}", kube.hint or "fix the file")
    context, plugin = kube.context, kube.context.user.exec
    user = context.user
    evidence: dict[str, Evidence] = {
        "paths": kube.paths,
        "context": context.name,
        "server": context.cluster.server,
        "user": user.name,
        "command": plugin.command if plugin else None,
        "api_version": plugin.api_version if plugin else None,
        "args": _shown(plugin.args) if plugin else (),
        "env": tuple(name for name, _ in plugin.env) if plugin else (),
        "command_path": kube.command_path,
    }
    render = _render(facts, kube)
    if plugin is None:
        how = (
            "a static token"
            if user.token
            else "a token file"
            if user.token_file
            else (", ".join(user.unsupported) or "nothing")
        )
        return warned(
            f"context {context.name} authenticates with {how}, not an exec plugin: EKS tokens "
            "expire after 15 minutes",
            render,
            **evidence,
        )
    where = f"context {context.name}'s exec block"
    if plugin.api_version == API_V1ALPHA1:
        return failed(
            f"{where} asks for {API_V1ALPHA1}, which kubectl 1.24 and later removed",
            f"set apiVersion: {API_VERSIONS[0]} in the exec block",
            **evidence,
        )
    if plugin.api_version not in API_VERSIONS:
        return failed(
            f"{where} asks for apiVersion {plugin.api_version}, which kubectl does not speak",
            f"set apiVersion: {API_VERSIONS[0]}",
            **evidence,
        )
    if kube.command_path is None:
        return failed(
            f"{where} runs {plugin.command}, which is not on PATH: kubectl cannot run it",
            plugin.install_hint or f"install it, or give its absolute path ({render})",
            **evidence,
        )
    asked = kube.request
    if isinstance(asked, Failed):
        return failed(
            f"{where} asks for no usable token: {asked.message}", asked.hint or render, **evidence
        )
    problem = _target_problem(facts, kube)
    if problem is not None:
        return failed(problem, render, **evidence)
    if plugin.interactive_mode == "Always":
        return warned(
            f"{where} has interactiveMode: Always: it fails where there is no terminal "
            "(Terraform, Atlantis, CI)",
            "set interactiveMode: Never",
            **evidence,
        )
    if user.impersonate:
        return warned(
            f"context {context.name} impersonates {user.impersonate} (as): the API server "
            "authorizes that user, and the caller's access policies do not apply",
            "remove as/as-groups from the user, or grant the caller impersonate on that user",
            **evidence,
        )
    target = got(asked)
    what = f" for cluster {target.token_cluster}" if target else ""
    return passed(f"{where} runs {kube.command_path}{what} ({plugin.api_version})", **evidence)


def _target_problem(facts: Facts, kube: KubeconfigFacts) -> str | None:
    """How the exec block's cluster and region, the server and the CA disagree with the cluster
    asked for and with DescribeCluster."""
    asked, meant = got(kube.request), facts.inputs.request
    server = kube.context.cluster.server
    host_region = EKS_HOST.search(server.split("://")[-1].split("/")[0].split(":")[0])
    if asked is not None and meant is not None and asked.token_cluster != meant.token_cluster:
        return (
            f"the exec block asks for a token for cluster {asked.token_cluster}, not "
            f"{meant.token_cluster}: EKS refuses a token for another cluster"
        )
    if asked is not None and asked.region and host_region and asked.region != host_region["region"]:
        return (
            f"the exec block asks for region {asked.region}, but the server is in "
            f"{host_region['region']}"
        )
    cluster = got(facts.cluster)
    if cluster is None:
        return None
    if server.rstrip("/") != cluster.cluster.endpoint.rstrip("/"):
        return (
            f"the server {server} is not cluster {cluster.cluster.name}'s endpoint "
            f"{cluster.cluster.endpoint} (DescribeCluster): a token for "
            f"{cluster.cluster.name} is refused there"
        )
    ca = kube.context.cluster.ca_data
    if ca and _decoded(ca) != _decoded(cluster.cluster.certificate_authority_data):
        return (
            "the certificate-authority-data is not the cluster's current CA (DescribeCluster): "
            "TLS to the server fails"
        )
    return None


SECRET_OPTIONS = ("--external-id", "-e")  # an external id is often a shared secret


def _shown(args: tuple[str, ...]) -> tuple[str, ...]:
    """The exec arguments with the values of SECRET_OPTIONS replaced."""
    shown = list(args)
    for n, arg in enumerate(args):
        name, eq, _ = arg.partition("=")
        if name in SECRET_OPTIONS:
            if eq:
                shown[n] = f"{name}=REDACTED"
            elif n + 1 < len(args):
                shown[n + 1] = "REDACTED"
    return tuple(shown)


def _decoded(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return data.encode()


def _render(facts: Facts, kube: KubeconfigFacts) -> str:
    resolved = got(facts.resolved)
    name = resolved.request.token_cluster if resolved else "CLUSTER"
    region = resolved.region if resolved else "REGION"
    path = kube.paths[0] if kube.paths else "~/.kube/config"
    return RENDER.format(name=name, region=region, path=path)


CHECK = Check("kubeconfig", "kubeconfig exec block", check, (), __doc__ or "")
