"""Terraform's version constraints, read as Terraform reads them, for one question --fix asks:
does a set of constraints *guarantee* at least a version — is every version that satisfies all
of them at or above it? Absent constraints guarantee nothing.

A constraint is a comma-separated list of `[op] version` (`=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`;
no operator is `=`), and several constraints (one per module, several `required_version`s)
intersect. Versions are dot-separated numbers (`1.10` is `1.10.0`), optionally with a
pre-release (`-beta1`) and build metadata (`+x`, ignored).

Pre-releases follow Terraform's two rules:
- `required_version` (hashicorp/go-version): a pre-release satisfies `>`, `>=`, `<`, `<=` and
  `~>` only where the constraint names a pre-release of the same version (`>= 1.10.0-beta1`
  admits `1.10.0-beta2`); `=` and `!=` compare plainly.
- provider versions (`required_providers`): a pre-release is selected only by `=` (exactly).

"Every version" is taken in the mathematical sense: between two versions there is always
another (1.9.1 between 1.9 and 1.10), so `> 1.9` does not guarantee 1.10.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_VERSION = re.compile(
    r"v?(?P<segments>\d+(?:\.\d+)*)"
    r"(?:-(?P<pre>[0-9A-Za-z~-]+(?:\.[0-9A-Za-z~-]+)*))?"
    r"(?:\+[0-9A-Za-z~-]+(?:\.[0-9A-Za-z~-]+)*)?"
)
_CONSTRAINT = re.compile(r"\s*(?P<op>!=|>=|<=|~>|=|>|<)?\s*(?P<version>\S+)\s*")


class Op(str, enum.Enum):
    EQ = "="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    PESSIMISTIC = "~>"


_ORDERING = (Op.GT, Op.GE, Op.LT, Op.LE, Op.PESSIMISTIC)


@dataclass(frozen=True)
class Version:
    segments: tuple[int, ...]  # as written (`~>` counts them)
    prerelease: str = ""

    @property
    def release(self) -> Version:
        return Version(self.segments)

    @property
    def key(self) -> tuple[object, ...]:
        """Total order: segments without trailing zeros, then a release above its pre-releases,
        pre-release identifiers numeric (by value) before alphanumeric (by text)."""
        segments = list(self.segments)
        while segments and segments[-1] == 0:
            segments.pop()
        if not self.prerelease:
            return (tuple(segments), 1, ())
        ids = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in self.prerelease.split(".")
        )
        return (tuple(segments), 0, ids)

    def __lt__(self, other: Version) -> bool:
        return self.key < other.key

    def __le__(self, other: Version) -> bool:
        return self.key <= other.key

    def same(self, other: Version) -> bool:
        return self.key == other.key

    def __str__(self) -> str:
        text = ".".join(map(str, self.segments))
        return f"{text}-{self.prerelease}" if self.prerelease else text


@dataclass(frozen=True)
class Constraint:
    op: Op
    version: Version

    def __str__(self) -> str:
        return f"{self.op.value} {self.version}"


def parse_version(text: str) -> Version:
    m = _VERSION.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a version: {text!r}")
    return Version(tuple(int(s) for s in m["segments"].split(".")), m["pre"] or "")


def parse(text: str) -> tuple[Constraint, ...]:
    """One constraint string, such as `>= 1.10, < 2.0`."""
    out = []
    for part in text.split(","):
        m = _CONSTRAINT.fullmatch(part)
        if m is None:
            raise ValueError(f"not a version constraint: {text!r}")
        out.append(Constraint(Op(m["op"] or "="), parse_version(m["version"])))
    return tuple(out)


def satisfies(v: Version, constraints: Iterable[Constraint], *, exact_prereleases: bool) -> bool:
    """Whether `v` satisfies every constraint; `exact_prereleases`: the provider rule (a
    pre-release is selected only by `=`)."""
    return all(_one(v, c, exact_prereleases=exact_prereleases) for c in constraints)


def _one(v: Version, c: Constraint, *, exact_prereleases: bool) -> bool:
    w = c.version
    if c.op is Op.EQ:
        return v.same(w)
    if c.op is Op.NE:
        return not v.same(w)
    if v.prerelease and exact_prereleases:
        return False
    if c.op is Op.PESSIMISTIC:  # pre-releases only against a pre-release, of any version
        return bool(v.prerelease) == bool(w.prerelease) and w <= v and v < _ceiling(w)
    if v.prerelease and not (w.prerelease and v.release.same(w.release)):
        return False  # a pre-release meets an inexact constraint only on its own version
    return {
        Op.GT: w < v,
        Op.GE: w <= v,
        Op.LT: v < w,
        Op.LE: v <= w,
    }[c.op]


def _ceiling(w: Version) -> Version:
    """The exclusive upper bound of `~> w`: the next value of its second-to-last segment as
    written (`~> 1.2.3` < 1.3, `~> 1.2` < 2); `~> 1` has none (a very large version)."""
    if len(w.segments) < 2:
        return Version((1 << 63,))
    return Version((*w.segments[:-2], w.segments[-2] + 1))


@dataclass(frozen=True)
class _Bound:
    version: Version
    inclusive: bool


def guarantees(
    constraints: Sequence[Constraint], floor: Version, *, exact_prereleases: bool
) -> bool:
    """Whether every version that satisfies all `constraints` is at or above `floor` (a
    release). No constraints guarantee nothing."""
    if not constraints:
        return False
    exact = [c.version for c in constraints if c.op is Op.EQ]
    if exact:  # at most that one version
        v = exact[0]
        return floor <= v or not satisfies(v, constraints, exact_prereleases=exact_prereleases)
    excluded = [c.version for c in constraints if c.op is Op.NE]
    ordering = [c for c in constraints if c.op in _ORDERING]
    lower, upper = _bounds(ordering, release_lane=True)
    upper = _min_upper(upper, _Bound(floor, inclusive=False))
    if _nonempty(lower, upper, [v for v in excluded if not v.prerelease]):
        return False
    if exact_prereleases:
        return True
    # Pre-releases: only where every ordering constraint names one (the release lane had a
    # lower bound, so there is at least one).
    if not all(c.version.prerelease for c in ordering):
        return True  # a constraint on a release admits no pre-release
    fixed = {
        c.version.release.key: c.version.release for c in ordering if c.op is not Op.PESSIMISTIC
    }
    if len(fixed) > 1:
        return True  # pre-releases of two different versions: none meets both
    if not fixed:  # only `~>`: pre-releases of any version in the ranges; judged by the floor
        return floor < max((c.version for c in ordering), key=lambda v: v.key).release
    [base] = fixed.values()
    if floor < base:
        return True  # every pre-release of base is above the floor
    lower, upper = _bounds(ordering, release_lane=False)
    mine = [v for v in excluded if v.prerelease and v.release.same(base)]
    return not _nonempty(lower, upper, mine)


def _bounds(
    constraints: Sequence[Constraint], *, release_lane: bool
) -> tuple[_Bound | None, _Bound | None]:
    """The tightest lower and upper bounds the ordering constraints set. In the release lane, a
    bound that names a pre-release of V stands for V itself (no release lies between them), and
    `~>` on a pre-release admits no release at all (an empty range)."""
    lower: _Bound | None = None
    upper: _Bound | None = None
    for c in constraints:
        v, op = c.version, c.op
        if release_lane and v.prerelease:
            if op is Op.PESSIMISTIC:
                return _Bound(v.release, True), _Bound(v.release, False)
            v = v.release
            op = {Op.GT: Op.GE, Op.LE: Op.LT}.get(op, op)
        if op in (Op.GT, Op.GE, Op.PESSIMISTIC):
            lower = _max_lower(lower, _Bound(v, op is not Op.GT))
        if op in (Op.LT, Op.LE):
            upper = _min_upper(upper, _Bound(v, op is Op.LE))
        if op is Op.PESSIMISTIC:
            upper = _min_upper(upper, _Bound(_ceiling(v), False))
    return lower, upper


def _max_lower(a: _Bound | None, b: _Bound) -> _Bound:
    if a is None or a.version < b.version:
        return b
    if b.version < a.version:
        return a
    return _Bound(a.version, a.inclusive and b.inclusive)


def _min_upper(a: _Bound | None, b: _Bound) -> _Bound:
    if a is None or b.version < a.version:
        return b
    if a.version < b.version:
        return a
    return _Bound(a.version, a.inclusive and b.inclusive)


def _nonempty(lower: _Bound | None, upper: _Bound | None, excluded: Sequence[Version]) -> bool:
    """Whether versions lie between the bounds, but for the excluded ones (versions are dense:
    a range wider than a point holds infinitely many)."""
    if lower is None or upper is None:
        return True
    if lower.version < upper.version:
        return True
    if not (lower.version.same(upper.version) and lower.inclusive and upper.inclusive):
        return False
    return not any(lower.version.same(v) for v in excluded)
