"""eks-tf-auth: EKS tokens for Terraform, Atlantis and kubectl."""

from __future__ import annotations

__version__ = "0.1.0"
