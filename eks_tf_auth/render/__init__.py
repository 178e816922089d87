"""`render`: Terraform provider blocks (`providers`), kubeconfigs (`kubeconfig`) and Atlantis
configuration (`atlantis`), each from the Jinja templates in `eks_tf_auth/templates/` through one
environment (`env`) whose filters do all the quoting."""

from __future__ import annotations
