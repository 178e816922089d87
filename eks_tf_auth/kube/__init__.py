"""The Kubernetes side: kubeconfig files (`kubeconfig`: read, select, merge, write), the API client
for a cluster (`client`, the only Kubernetes-client importer; the `kube` extra), and the aws-auth
ConfigMap's model (`aws_auth`)."""

from __future__ import annotations
