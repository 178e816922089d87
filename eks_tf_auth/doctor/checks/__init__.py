"""The checks, one per module, in the order they run (and print). Each module exports `CHECK`:
its id (stable: the JSON output and the README name it), a title, a pure `run(facts, results)`,
the checks it needs (skipped with the reason when one of them failed or was skipped), and its
docstring."""

from __future__ import annotations

from eks_tf_auth.doctor.checks import (
    access_entry,
    aws_auth,
    clock,
    cluster,
    credentials,
    exec_plugin,
    identity,
    irsa_oidc_provider,
    irsa_service_account,
    irsa_token,
    irsa_trust,
    kubeconfig,
    kuberc,
    logs,
    mapping,
    token,
    whoami,
)
from eks_tf_auth.doctor.model import Check

CHECKS: tuple[Check, ...] = (
    credentials.CHECK,
    identity.CHECK,
    token.CHECK,
    clock.CHECK,
    cluster.CHECK,
    logs.CHECK,
    access_entry.CHECK,
    aws_auth.CHECK,
    mapping.CHECK,
    kubeconfig.CHECK,
    kuberc.CHECK,
    exec_plugin.CHECK,
    whoami.CHECK,
    irsa_service_account.CHECK,
    irsa_token.CHECK,
    irsa_oidc_provider.CHECK,
    irsa_trust.CHECK,
)
