"""`render kuberc`: a kuberc whose credential plugin policy (kubectl 1.35 and later) lets the exec
command run: an Allowlist of the path kubectl resolves the command to. Merging the entry into an
existing kuberc is `eks_tf_auth.kube.kuberc.merge_into`."""

from __future__ import annotations

from eks_tf_auth.kube import kuberc
from eks_tf_auth.render.env import render


def render_kuberc(plugin: str) -> str:
    """A kuberc that lets `plugin` (from `kuberc.plugin_path`) run, and no other plugin."""
    return render(
        "kuberc.yaml.j2",
        api_version=kuberc.API_V1BETA1,
        kind=kuberc.KIND,
        policy_key=kuberc.POLICY,
        policy=kuberc.ALLOWLIST_POLICY,
        allowlist_key=kuberc.ALLOWLIST,
        plugin=plugin,
    )
