"""aws-auth -> EKS access entries: plan, Terraform, apply, set-mode.

- `model`: the plan's typed records and its stable JSON form (`--plan plan.json` round-trips).
- `translate`: the pure translation of the aws-auth mappings EKS honours into access entries, and
  their comparison with the entries a cluster already has (no I/O).
- `plan`: gathering the inputs (aws-auth, DescribeCluster, ListAccessEntries, IAM GetRole), one
  cluster or a fleet on a bounded pool.
- `apply`: idempotent CreateAccessEntry / AssociateAccessPolicy (never deletes, never changes).
- `mode`: UpdateClusterConfig to API_AND_CONFIG_MAP or API, polled with DescribeUpdate.
- `terraform`: aws_eks_access_entry / aws_eks_access_policy_association with import blocks.
- `report`: the text and JSON the commands print.
"""

from __future__ import annotations
