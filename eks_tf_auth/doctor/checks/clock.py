"""Clock: the local clock against the Date of AWS's answer. EKS takes a token for 15 minutes from
its X-Amz-Date: a clock behind by more than a minute makes clients keep tokens EKS already
refuses (401 near the end of each token's life); 15 minutes either way, and every token is
refused.
"""

from __future__ import annotations

from datetime import timedelta

from eks_tf_auth.doctor.facts import Facts, got
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
from eks_tf_auth.token import TOKEN_LIFETIME, TOKEN_VALIDITY

BEHIND_WARN = timedelta(minutes=1)
BEHIND_FAIL = timedelta(minutes=5)
AHEAD_WARN = timedelta(minutes=5)
REFUSED = timedelta(minutes=15)
FIX = "sync the clock (chrony, systemd-timesyncd, or the host's NTP settings)"


def check(facts: Facts, results: Results) -> Result:
    caller = got(facts.caller)
    if caller is None or caller.server_time is None or facts.caller_time is None:
        return skipped("AWS's answer carried no Date header to compare with")
    skew = facts.caller_time - caller.server_time  # > 0: the local clock is ahead
    seconds = int(skew.total_seconds())
    evidence: dict[str, Evidence] = {
        "skew_seconds": seconds,
        "aws_time": caller.server_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    where = f"{abs(seconds)} s {'ahead of' if seconds > 0 else 'behind'} AWS"
    if abs(skew) >= REFUSED:
        return failed(f"the local clock is {where}: EKS refuses every token", FIX, **evidence)
    if -skew >= BEHIND_FAIL:
        early = round((-skew - (TOKEN_VALIDITY - TOKEN_LIFETIME)).total_seconds() / 60)
        return failed(
            f"the local clock is {where}: tokens die about {early} minutes before "
            "clients replace them (401 mid-run)",
            FIX,
            **evidence,
        )
    if -skew > BEHIND_WARN or skew > AHEAD_WARN:
        return warned(f"the local clock is {where}", FIX, **evidence)
    return passed(f"within {max(abs(seconds), 1)} s of AWS", **evidence)


CHECK = Check("clock", "Clock skew", check, ("identity",), __doc__ or "")
