"""Terraform version constraints: parsing, satisfaction as Terraform decides it, and the
guarantee --fix=ephemeral asks for, checked by hand and against every version of a grid."""

from __future__ import annotations

import itertools

import pytest

from eks_tf_auth.lint.versions import (
    Constraint,
    Op,
    Version,
    guarantees,
    parse,
    parse_version,
    satisfies,
)

TF_1_10 = parse_version("1.10.0")
GRID = [
    parse_version(t)
    for t in [
        "0.15.5",
        "1.0",
        "1.9",
        "1.9.1",
        "1.9.8",
        "1.9.9.1",
        "1.10",
        "1.10.0.1",
        "1.10.1",
        "1.11.0",
        "1.12",
        "2.0",
        "1.9.5-beta",
        "1.10.0-alpha",
        "1.10.0-alpha.1",
        "1.10.0-beta1",
        "1.10.0-beta2",
        "1.10.0-rc1",
        "1.10.0-2",
        "1.11.0-beta1",
        "2.0.0-alpha",
    ]
]


def ok(text: str, v: str, *, exact: bool = False) -> bool:
    return satisfies(parse_version(v), parse(text), exact_prereleases=exact)


def g(*texts: str, floor: str = "1.10.0", exact: bool = False) -> bool:
    cs = tuple(c for t in texts for c in parse(t))
    return guarantees(cs, parse_version(floor), exact_prereleases=exact)


def test_parse() -> None:
    assert parse(">= 1.10, < 2.0.0") == (
        Constraint(Op.GE, Version((1, 10))),
        Constraint(Op.LT, Version((2, 0, 0))),
    )
    assert parse("1.10.2") == (Constraint(Op.EQ, Version((1, 10, 2))),)
    assert parse("~>5.84") == (Constraint(Op.PESSIMISTIC, Version((5, 84))),)
    assert parse_version("v1.10.0-beta1+abc") == Version((1, 10, 0), "beta1")
    assert str(parse("!= 1.10.0-rc1")[0]) == "!= 1.10.0-rc1"
    for bad in ("", ">= ", "=> 1.0", ">= 1.x", ">= 1.0 1.1", "1.0,"):
        with pytest.raises(ValueError, match="not a"):
            parse(bad)


def test_order() -> None:
    v = parse_version
    assert v("1.10").same(v("1.10.0")) and v("1.9.9") < v("1.10") and v("1.10") <= v("1.10.0")
    assert v("1.10.0-beta1") < v("1.10.0-beta2") < v("1.10.0-rc1") < v("1.10.0")
    assert v("1.10.0-2") < v("1.10.0-alpha") < v("1.10.0-alpha.1")  # numeric before alphanumeric
    assert v("1.10.0-beta10") < v("1.10.0-beta2")  # alphanumeric identifiers compare as text
    assert not v("1.10.0") < v("1.10.0-rc1")


@pytest.mark.parametrize(
    ("constraint", "version", "expected"),
    [
        (">= 1.10", "1.10.0", True),
        (">= 1.10", "1.9.9", False),
        ("> 1.10", "1.10.0", False),
        ("> 1.10", "1.10.0.1", True),
        ("< 1.10", "1.9.99", True),
        ("<= 1.10", "1.10.0", True),
        ("<= 1.10", "1.10.1", False),
        ("1.10", "1.10.0", True),
        ("= 1.10", "1.10.1", False),
        ("!= 1.10", "1.10.0", False),
        ("!= 1.10", "1.11.0", True),
        ("~> 1.10", "1.99", True),
        ("~> 1.10", "2.0", False),
        ("~> 1.10", "1.9", False),
        ("~> 1.10.2", "1.10.9", True),
        ("~> 1.10.2", "1.11.0", False),
        ("~> 1", "7.0", True),
        # Pre-releases (go-version): only against a pre-release of the same version.
        (">= 1.9", "1.10.0-beta1", False),
        (">= 1.10.0-beta1", "1.10.0-beta2", True),
        (">= 1.10.0-beta1", "1.10.0-alpha", False),
        (">= 1.10.0-beta1", "1.11.0-beta1", False),
        (">= 1.10.0-beta1", "1.10.0", True),
        ("> 1.10.0-beta1", "1.10.0", True),
        ("!= 1.10.0", "1.10.0-beta1", True),
        ("= 1.10.0-beta1", "1.10.0-beta1", True),
        ("~> 1.10.0-beta1", "1.10.3-beta1", True),  # ~> takes pre-releases of any version
        ("~> 1.10.0-beta1", "1.10.3", False),
        ("~> 1.10.0", "1.10.3-beta1", False),
        (">= 1.0, < 2.0", "1.5", True),
        (">= 1.0, < 2.0", "2.0", False),
    ],
)
def test_satisfies(constraint: str, version: str, expected: bool) -> None:
    assert ok(constraint, version) is expected


def test_provider_pre_releases_need_an_exact_constraint() -> None:
    assert not ok(">= 5.84.0-beta1", "5.84.0-beta2", exact=True)
    assert not ok("~> 5.84.0-beta1", "5.84.0-beta2", exact=True)
    assert ok("= 5.84.0-beta1", "5.84.0-beta1", exact=True)
    assert ok(">= 5.84.0-beta1", "5.84.0", exact=True)


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        ((), False),  # absent: nothing guaranteed
        ((">= 1.10",), True),
        ((">= 1.10.0",), True),
        ((">= 1.11",), True),
        ((">= 1.9",), False),
        (("> 1.9",), False),  # 1.9.1
        (("> 1.9.99",), False),  # 1.9.100
        (("> 1.10",), True),
        (("~> 1.10",), True),
        (("~> 1.10.0",), True),
        (("~> 1.9",), False),
        (("~> 1",), False),
        (("1.10.2",), True),
        (("= 1.9.8",), False),
        (("= 1.9.8", ">= 1.10"), True),  # unsatisfiable: no version at all
        (("< 2.0",), False),
        (("!= 1.9.8",), False),
        ((">= 1.3", ">= 1.10"), True),  # several constraints intersect
        ((">= 1.3", "< 1.10"), False),
        ((">= 1.3, >= 1.10",), True),
        ((">= 1.9, != 1.9",), False),  # 1.9.1 is left
        ((">= 1.9, <= 1.9, != 1.9",), True),  # empty
        ((">= 1.9, <= 1.9",), False),  # exactly 1.9
        ((">= 1.9.5, < 1.9.5",), True),  # empty
        # Pre-releases under required_version's rules.
        ((">= 1.10.0-beta1",), False),  # 1.10.0-beta1 itself
        (("> 1.10.0-rc1",), False),  # 1.10.0-rc2
        ((">= 1.10.0-beta1", ">= 1.10"), True),  # the second admits no pre-release
        ((">= 1.10.0-beta1", "< 1.10.0-beta1"), True),  # empty
        ((">= 1.10.0-beta1", "!= 1.10.0-beta1", "<= 1.10.0-beta1"), True),
        ((">= 1.10.0-beta1", "<= 1.10.0-beta1"), False),  # exactly the pre-release
        ((">= 1.11.0-beta1",), True),  # its pre-releases are above 1.10
        ((">= 1.10.0-beta1", "<= 1.11.0-beta1"), True),  # two versions' pre-releases: none
        (("~> 1.10.0-beta1",), False),
        (("~> 1.11.0-beta1",), True),
        (("~> 1.10.0-beta1", "~> 1.9.0-beta1"), False),
        (("> 1.9.9-rc1",), False),  # 1.9.9 and above
        (("<= 1.10.0-rc1",), False),
    ],
)
def test_guarantees_terraform(constraints: tuple[str, ...], expected: bool) -> None:
    assert g(*constraints) is expected


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        ((">= 5.84.0-beta1",), True),  # providers: no pre-release without `=`
        (("= 5.84.0-beta1",), False),
        (("~> 5.84",), True),
        ((">= 5.0",), False),
        ((">= 5.0", "~> 5.90"), True),
    ],
)
def test_guarantees_provider(constraints: tuple[str, ...], expected: bool) -> None:
    assert g(*constraints, floor="5.84.0", exact=True) is expected


PIECES = [
    ">= 1.9",
    ">= 1.10",
    "> 1.9.8",
    "> 1.10",
    "< 1.11",
    "<= 1.10",
    "!= 1.9.8",
    "!= 1.10.0",
    "= 1.9.8",
    "= 1.10.0-beta1",
    "~> 1.9",
    "~> 1.10.0",
    ">= 1.10.0-beta1",
    "> 1.10.0-alpha",
    "< 1.10.0-rc1",
    "~> 1.10.0-alpha",
]


@pytest.mark.parametrize("exact", [False, True])
def test_a_guarantee_holds_for_every_version_of_a_grid(exact: bool) -> None:
    """Where guarantees() says yes, no version of the grid below the floor satisfies them;
    where it says no, the grid usually shows one (the exceptions are versions between grid
    points, listed here)."""
    dense_only = 0
    for n in (1, 2, 3):
        for combo in itertools.combinations(PIECES, n):
            cs = tuple(c for t in combo for c in parse(t))
            below = [v for v in GRID if v < TF_1_10 and satisfies(v, cs, exact_prereleases=exact)]
            if guarantees(cs, TF_1_10, exact_prereleases=exact):
                assert below == [], combo
            elif not below:
                dense_only += 1
    assert dense_only < 40  # a few: a version between grid points (1.9.8.1 for "> 1.9.8")
