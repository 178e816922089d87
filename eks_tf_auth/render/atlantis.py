"""`render atlantis`: a server-side repos.yaml whose workflow lints the saved plan, and a
Dockerfile that adds eks-tf-auth to the Atlantis image.

The plan stage fails when the saved plan still hands a provider a plan-time token (`lint`'s exit
code); the policy_check stage reports the same findings as an Atlantis custom policy check (the
`--atlantis` format), which runs only on a server started with `--enable-policy-checks`.
`examples/atlantis` is the same workflow written out by hand; `tests/test_examples.py` holds the
two equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eks_tf_auth import identity, validate
from eks_tf_auth.render import release
from eks_tf_auth.render.env import render

BASE_IMAGE = "ghcr.io/runatlantis/atlantis:v0.35.0"
FILES = ("repos.yaml", "Dockerfile")
# The lint steps as atlantis_repos.yaml.j2 and examples/atlantis/repos.yaml write them.
PLAN_LINT = 'eks-tf-auth lint "$PLANFILE"'  # exit 1 on findings: fails the plan
POLICY_CHECK_LINT = 'eks-tf-auth lint --atlantis "$SHOWFILE"'  # prints "N failure(s)", exit 0


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str


def clusters(
    names: Sequence[str], who: identity.ClusterRequest, environ: Mapping[str, str]
) -> list[Cluster]:
    """Each named cluster in `who`'s region: the request's, else the environment's or the
    profile's, as every command resolves it."""
    if not names:
        return []
    region = identity.region(who, environ)
    return [Cluster(n, region) for n in names]


def render_files(
    clusters: Sequence[Cluster],
    *,
    repo_id: str = "/.*/",
    base_image: str = BASE_IMAGE,
    package: str | None = None,
) -> dict[str, str]:
    """File name -> content; each cluster gets a token check before the plan. The image installs
    `package` (a PyPI requirement such as eks-tf-auth==0.2.0, once it is published), by default
    this repository at the pinned commit."""
    for c in clusters:
        validate.cluster_name(c.name)
        validate.region(c.region)
    validate.image(base_image)
    requirement = release.PIP_REQUIREMENT if package is None else validate.package(package)
    return {
        "repos.yaml": render("atlantis_repos.yaml.j2", clusters=clusters, repo_id=repo_id),
        "Dockerfile": render(
            "atlantis.Dockerfile.j2", base_image=base_image, requirement=requirement
        ),
    }
