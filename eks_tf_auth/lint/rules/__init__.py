"""The rules, explicit and in order; a new rule is one file here and one line below."""

from __future__ import annotations

from eks_tf_auth.lint.rule import Rule
from eks_tf_auth.lint.rules import (
    eta001_cluster_auth_token,
    eta002_token_stored,
    eta003_unused_cluster_auth,
    eta004_exec_v1alpha1,
    eta005_token_and_exec,
    eta006_external_token,
    eta007_get_token_output,
    eta008_token_in_plan,
    eta009_ca_certificate_base64,
    eta010_exec_identity,
    eta011_ephemeral_token,
)

RULES: tuple[Rule, ...] = (
    eta001_cluster_auth_token.RULE,
    eta002_token_stored.RULE,
    eta003_unused_cluster_auth.RULE,
    eta004_exec_v1alpha1.RULE,
    eta005_token_and_exec.RULE,
    eta006_external_token.RULE,
    eta007_get_token_output.RULE,
    eta008_token_in_plan.RULE,
    eta009_ca_certificate_base64.RULE,
    eta010_exec_identity.RULE,
    eta011_ephemeral_token.RULE,
)
BY_ID = {rule.id: rule for rule in RULES}
