"""`render atlantis`: a server-side repos.yaml whose workflow lints the saved plan, a Dockerfile
that adds eks-tf-auth to the Atlantis image (`pip`: Python and the package from git;
`standalone`: only the executable `make standalone` builds), and (`identity`) the IAM role
Atlantis runs as, given to its service account through EKS Pod Identity or IRSA (`render_role`).

The plan stage fails when the saved plan still hands a provider a plan-time token (`lint`'s exit
code); the policy_check stage reports the same findings as an Atlantis custom policy check (the
`--atlantis` format), which runs only on a server started with `--enable-policy-checks`.
`examples/atlantis` is the same workflow written out by hand; `tests/test_examples.py` holds the
two equal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eks_tf_auth import identity, validate
from eks_tf_auth.errors import InputError
from eks_tf_auth.render import release
from eks_tf_auth.render.env import render
from eks_tf_auth.validate import quoted

BASE_IMAGE = "ghcr.io/runatlantis/atlantis:v0.35.0"
# How the Dockerfile installs eks-tf-auth: pip into a venv (on the default, Alpine image), or by
# copying the standalone executable's folder, which is linked against glibc (Debian 12's 2.36):
# hence the image's Debian variant.
PIP, STANDALONE = "pip", "standalone"
INSTALLS = (PIP, STANDALONE)
STANDALONE_BASE_IMAGE = f"{BASE_IMAGE}-debian"
IDENTITY_FILE = "identity.tf"
FILES = ("repos.yaml", "Dockerfile", IDENTITY_FILE)
POD_IDENTITY, IRSA = "pod-identity", "irsa"
IDENTITIES = (POD_IDENTITY, IRSA)
# EKS Pod Identity's service principal, and what its trust policy must allow.
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
POD_IDENTITY_ACTIONS = ("sts:AssumeRole", "sts:TagSession")
DEFAULT_SERVICE_ACCOUNT = "atlantis/atlantis"  # the Atlantis Helm chart's, in its namespace
DEFAULT_ROLE_NAME = "atlantis"
NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", re.ASCII)  # a DNS label
SERVICE_ACCOUNT = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", re.ASCII)  # DNS subdomain
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
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


@dataclass(frozen=True)
class ServiceAccountRole:
    """How Atlantis gets its IAM role: `kind` (POD_IDENTITY or IRSA) for the service account
    `namespace/name` in the cluster it runs in."""

    kind: str
    cluster_name: str
    service_account: str = DEFAULT_SERVICE_ACCOUNT
    role_name: str = DEFAULT_ROLE_NAME

    def __post_init__(self) -> None:
        if self.kind not in IDENTITIES:
            raise InputError(f"unknown identity {quoted(self.kind)}", hint="pod-identity or irsa")
        validate.cluster_name(self.cluster_name)
        namespace, _, name = self.service_account.partition("/")
        if not (NAMESPACE.fullmatch(namespace) and SERVICE_ACCOUNT.fullmatch(name)):
            raise InputError(
                f"invalid service account {quoted(self.service_account)}",
                hint="NAMESPACE/NAME in lower-case letters, digits and '-', e.g. "
                + DEFAULT_SERVICE_ACCOUNT,
            )
        if not ROLE_NAME.fullmatch(self.role_name):
            raise InputError(
                f"invalid role name {quoted(self.role_name)}",
                hint="1-64 letters, digits or any of + = , . @ - _",
            )


def render_role(role: ServiceAccountRole) -> str:
    """Terraform for the role Atlantis runs as and its trust: Pod Identity's association, or
    IRSA's OIDC trust and the service account annotation."""
    namespace, _, name = role.service_account.partition("/")
    template = "atlantis_pod_identity.tf.j2" if role.kind == POD_IDENTITY else "atlantis_irsa.tf.j2"
    return render(
        template,
        cluster_name=role.cluster_name,
        namespace=namespace,
        service_account=name,
        subject=role.service_account,
        subject_claim=f"system:serviceaccount:{namespace}:{name}",
        role_name=role.role_name,
        actions=list(POD_IDENTITY_ACTIONS),
        service=POD_IDENTITY_SERVICE,
    )


def render_files(
    clusters: Sequence[Cluster],
    *,
    repo_id: str = "/.*/",
    base_image: str | None = None,
    package: str | None = None,
    role: ServiceAccountRole | None = None,
    install: str = PIP,
) -> dict[str, str]:
    """File name -> content; each cluster gets a token check before the plan. With `install`
    PIP the image installs `package` (a PyPI requirement such as eks-tf-auth==0.2.0, once it is
    published), by default this repository at the pinned commit; with STANDALONE it copies the
    standalone executable's folder (the Docker build context is dist/standalone). The base image
    defaults to Atlantis's (BASE_IMAGE, or STANDALONE_BASE_IMAGE). With `role` comes
    identity.tf."""
    for c in clusters:
        validate.cluster_name(c.name)
        validate.region(c.region)
    if install not in INSTALLS:
        raise InputError(f"unknown install {quoted(install)}", hint=" or ".join(INSTALLS))
    if base_image is None:
        base_image = BASE_IMAGE if install == PIP else STANDALONE_BASE_IMAGE
    validate.image(base_image)
    if install == PIP:
        requirement = release.PIP_REQUIREMENT if package is None else validate.package(package)
        dockerfile = render(
            "atlantis.Dockerfile.j2", base_image=base_image, requirement=requirement
        )
    else:
        if package is not None:
            raise InputError("a package is installed with pip", hint="leave it out, or use pip")
        dockerfile = render("atlantis_standalone.Dockerfile.j2", base_image=base_image)
    files = {
        "repos.yaml": render("atlantis_repos.yaml.j2", clusters=clusters, repo_id=repo_id),
        "Dockerfile": dockerfile,
    }
    if role is not None:
        files[IDENTITY_FILE] = render_role(role)
    return files
