from __future__ import annotations

# Test-only helpers: an independent EKS token verifier (verifier) and a local
# HTTPS Kubernetes API double that authenticates EKS bearer tokens (eks_double).
