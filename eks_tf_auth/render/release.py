"""Where rendered snippets get eks-tf-auth and its Terraform module from: this repository at one
pinned commit.

eks-tf-auth is on neither PyPI nor the Terraform registry yet, and the repository has no release
tag, so `pip install eks-tf-auth`, `eks-tf-auth==0.1.0` and `?ref=v0.1.0` would not resolve; a
commit does. REF is a commit of this repository that has the package (with `lint` reading saved
plans), `terraform/modules/eks-exec-auth` and `.pre-commit-hooks.yaml`. Move it forward (to a
tag once releases are tagged) together with the README's install lines and pre-commit snippet and
`examples/atlantis`, which `tests/test_install.py` and `tests/test_examples.py` hold equal to
these values. `commands/_options.py` mirrors MODULE_SOURCE as a literal.
"""

from __future__ import annotations

REPOSITORY = "https://github.com/eks-tf-auth/eks-tf-auth"  # as the SARIF and rule-doc links
REF = "7620bcc749e828885b4402d3553a23d535b62208"
MODULE_PATH = "terraform/modules/eks-exec-auth"
# Terraform's generic git source: `//` separates the repository from the module's directory.
MODULE_SOURCE = f"git::{REPOSITORY}.git//{MODULE_PATH}?ref={REF}"
# What pip and pipx install: no spaces or shell metacharacters, so it needs no quoting.
PIP_REQUIREMENT = f"git+{REPOSITORY}@{REF}"
