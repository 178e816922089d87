"""kuberc: kubectl's preferences (KUBERC, else ~/.kube/kuberc; off with KUBECTL_KUBERC=false)
and its credential plugin policy (kubectl 1.35+): DenyAll, or an Allowlist that does not name the
exec command, and kubectl refuses to run the plugin; a kuberc it cannot read fails every command.
"""

from __future__ import annotations

from eks_tf_auth.doctor.facts import Facts, Failed, got
from eks_tf_auth.doctor.model import Check, Result, Results, failed, passed, skipped


def check(facts: Facts, results: Results) -> Result:
    found = facts.kuberc
    if found is None:
        return skipped("the context has no exec plugin")
    if isinstance(found, Failed):
        return failed(found.message, found.hint or "fix the kuberc, or unset KUBERC")
    policy = got(found)
    assert policy is not None
    if policy.path is None:
        return passed("no kuberc: kubectl runs every credential plugin")
    if policy.blocked is not None:
        return failed(
            policy.blocked, policy.fix or "allow the plugin in the kuberc", path=policy.path
        )
    return passed(f"{policy.path} lets kubectl run the exec plugin", path=policy.path)


CHECK = Check("kuberc", "kuberc credential plugin policy", check, ("kubeconfig",), __doc__ or "")
