"""The Kubernetes side: kubeconfig files (read, merge, write)."""

from __future__ import annotations
