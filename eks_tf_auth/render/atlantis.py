"""`render atlantis`: a server-side repos.yaml whose workflow lints the saved plan, and a
Dockerfile that adds eks-tf-auth to the Atlantis image."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eks_tf_auth import __version__, identity, validate
from eks_tf_auth.render.env import render

BASE_IMAGE = "ghcr.io/runatlantis/atlantis:v0.35.0"
FILES = ("repos.yaml", "Dockerfile")


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
    package: str = f"eks-tf-auth=={__version__}",
) -> dict[str, str]:
    """File name -> content; each cluster gets a token check before the plan."""
    for c in clusters:
        validate.cluster_name(c.name)
        validate.region(c.region)
    validate.image(base_image)
    validate.package(package)
    return {
        "repos.yaml": render("atlantis_repos.yaml.j2", clusters=clusters, repo_id=repo_id),
        "Dockerfile": render("atlantis.Dockerfile.j2", base_image=base_image, package=package),
    }
