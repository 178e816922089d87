# Access entries of EKS cluster staging, from aws-auth by eks-tf-auth.
# aws-auth: mixed/aws-auth.yaml
# Planned offline: the cluster was not described and role paths were not checked.

# aws-auth mapRoles line 1: arn:aws:iam::111122223333:role/platform-admin
# the role's path is not checked (not looked up in IAM): the entry needs it, if the role has one
resource "aws_eks_access_entry" "staging_platform-admin" {
  cluster_name  = "staging"
  principal_arn = "arn:aws:iam::111122223333:role/platform-admin"
  type          = "STANDARD"
  user_name     = "platform-admin:{{SessionName}}"
}

resource "aws_eks_access_policy_association" "staging_platform-admin_cluster_admin" {
  cluster_name  = aws_eks_access_entry.staging_platform-admin.cluster_name
  principal_arn = aws_eks_access_entry.staging_platform-admin.principal_arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# aws-auth mapRoles line 5: arn:aws:iam::111122223333:role/eks-node-group
# the role's path is not checked (not looked up in IAM): the entry needs it, if the role has one
resource "aws_eks_access_entry" "staging_eks-node-group" {
  cluster_name  = "staging"
  principal_arn = "arn:aws:iam::111122223333:role/eks-node-group"
  type          = "EC2_LINUX"
}

# aws-auth mapRoles line 10: arn:aws:iam::111122223333:role/windows-nodes
# the role's path is not checked (not looked up in IAM): the entry needs it, if the role has one
resource "aws_eks_access_entry" "staging_windows-nodes" {
  cluster_name  = "staging"
  principal_arn = "arn:aws:iam::111122223333:role/windows-nodes"
  type          = "EC2_WINDOWS"
}

# aws-auth mapRoles line 16: arn:aws:iam::111122223333:role/fargate-pods
# the role's path is not checked (not looked up in IAM): the entry needs it, if the role has one
resource "aws_eks_access_entry" "staging_fargate-pods" {
  cluster_name  = "staging"
  principal_arn = "arn:aws:iam::111122223333:role/fargate-pods"
  type          = "FARGATE_LINUX"
}

# aws-auth mapRoles line 27: arn:aws:iam::111122223333:role/CI-Deployer
# the role's path is not checked (not looked up in IAM): the entry needs it, if the role has one
resource "aws_eks_access_entry" "staging_ci-deployer" {
  cluster_name      = "staging"
  principal_arn     = "arn:aws:iam::111122223333:role/CI-Deployer"
  type              = "STANDARD"
  user_name         = "ci:{{SessionName}}"
  kubernetes_groups = ["deployers", "view"]
}

# aws-auth mapRoles line 30: arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnly_0123456789abcdef
# an IAM Identity Center role's ARN has a path under /aws-reserved/sso.amazonaws.com/ (not looked up in IAM): plan against the cluster to restore it
resource "aws_eks_access_entry" "staging_awsreservedsso_readonly_0123456789abcdef" {
  cluster_name      = "staging"
  principal_arn     = "arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnly_0123456789abcdef"
  type              = "STANDARD"
  user_name         = "sso-readonly:{{SessionNameRaw}}"
  kubernetes_groups = ["readers"]
}

# aws-auth mapUsers line 1: arn:aws:iam::111122223333:user/alice
resource "aws_eks_access_entry" "staging_alice" {
  cluster_name      = "staging"
  principal_arn     = "arn:aws:iam::111122223333:user/alice"
  type              = "STANDARD"
  user_name         = "alice"
  kubernetes_groups = ["oncall"]
}

resource "aws_eks_access_policy_association" "staging_alice_cluster_admin" {
  cluster_name  = aws_eks_access_entry.staging_alice.cluster_name
  principal_arn = aws_eks_access_entry.staging_alice.principal_arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# aws-auth mapUsers line 8: arn:aws:iam::111122223333:user/carol
# aws-auth gives no username (EKS passes an empty name): the entry takes EKS's default, made from the caller's ARN
resource "aws_eks_access_entry" "staging_carol" {
  cluster_name  = "staging"
  principal_arn = "arn:aws:iam::111122223333:user/carol"
  type          = "STANDARD"
}

# Not migrated: EKS honours these aws-auth mappings and no access entry can stand
# for them, so switching the cluster to API mode cuts them off.
#   mapRoles line 36 arn:aws:iam::111122223333:role/monitoring: the groups [system:monitoring]: access entries carry no Kubernetes system groups (only system:masters, which becomes AmazonEKSClusterAdminPolicy)
#   mapRoles line 39 arn:aws:iam::111122223333:role/legacy: {{SessionName}} in the username 'legacy{{SessionName}}' has no ':' before it, which access entries require
#   mapRoles line 41 arn:aws:iam::111122223333:role/AWSServiceRoleForAmazonEKS: AWSServiceRoleForAmazonEKS is a service-linked role, which access entries do not support
#   mapUsers line 6 arn:aws:iam::111122223333:user/bob: the username 'aws:bob' starts with 'aws:', which access entries refuse (system:, aws:, amazon:, eks:, iam:)
#   mapAccounts line 1 444455556666: every IAM identity of account 444455556666 that no mapping names gets in (as its ARN, with no groups); access entries name principals one by one
#
# Not used by EKS today, so nothing to migrate:
#   mapRoles line 23 arn:aws:iam::111122223333:role/ci-deployer: arn:aws:iam::111122223333:role/ci-deployer is mapped again at line 27: EKS uses the last one and ignores this one
#   mapRoles line 33 arn:aws:iam::111122223333:role/teams/data/etl: arn:aws:iam::111122223333:role/teams/data/etl has the path /teams/data/: callers arrive without it (EKS drops paths), so no caller can match it; use arn:aws:iam::111122223333:role/etl
