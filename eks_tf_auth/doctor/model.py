"""What a doctor run is made of: a check's `Result` (status, one line of finding, one line of
fix, evidence), the `Check` record each module under `checks/` exports, and the `Report`."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eks_tf_auth.doctor.facts import Facts

# Evidence values are JSON scalars or lists of strings; never a secret.
Evidence = str | int | bool | None | tuple[str, ...]


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


@dataclass(frozen=True)
class Result:
    status: Status
    finding: str  # one line: what was found
    fix: str | None = None  # one line: what to change (None when there is nothing to do)
    evidence: Mapping[str, Evidence] = field(default_factory=dict)


def passed(finding: str, **evidence: Evidence) -> Result:
    return Result(Status.PASS, finding, None, evidence)


def failed(finding: str, fix: str, **evidence: Evidence) -> Result:
    return Result(Status.FAIL, finding, fix, evidence)


def warned(finding: str, fix: str, **evidence: Evidence) -> Result:
    return Result(Status.WARN, finding, fix, evidence)


def skipped(finding: str, **evidence: Evidence) -> Result:
    return Result(Status.SKIP, finding, None, evidence)


Results = Mapping[str, Result]  # the results of the checks run so far, by id


@dataclass(frozen=True)
class Check:
    """One check: `run` is pure (it reads `Facts` and the results before it). When a check in
    `needs` failed or was skipped, the runner skips this one and says which."""

    id: str
    title: str
    run: Callable[[Facts, Results], Result]
    needs: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class Outcome:
    check: Check
    result: Result


@dataclass(frozen=True)
class Report:
    cluster: str | None
    region: str | None
    outcomes: tuple[Outcome, ...]

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.result.status is status)

    @property
    def status(self) -> Status:
        for worst in (Status.FAIL, Status.WARN):
            if self.count(worst):
                return worst
        return Status.PASS
