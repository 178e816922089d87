# Access entries of EKS cluster prod (eu-west-1), from aws-auth by eks-tf-auth.
# aws-auth: kube-system/aws-auth in prod
# Authentication mode API_AND_CONFIG_MAP; Kubernetes 1.30, platform eks.12: it has access entries.
# The import blocks adopt what exists already (Terraform >= 1.5).

# aws-auth mapRoles line 1: arn:aws:iam::111122223333:role/eks-managed-ng
resource "aws_eks_access_entry" "prod_eks-managed-ng" {
  cluster_name  = "prod"
  principal_arn = "arn:aws:iam::111122223333:role/eks-managed-ng"
  type          = "EC2_LINUX"
}

# aws-auth mapRoles line 6: arn:aws:iam::111122223333:role/self-managed-windows
# the path /nodes/ comes from IAM (aws-auth cannot hold it)
resource "aws_eks_access_entry" "prod_self-managed-windows" {
  cluster_name  = "prod"
  principal_arn = "arn:aws:iam::111122223333:role/nodes/self-managed-windows"
  type          = "EC2_WINDOWS"
}

# aws-auth mapRoles line 12: arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_fedcba9876543210
# the path /aws-reserved/sso.amazonaws.com/eu-west-1/ comes from IAM (aws-auth cannot hold it)
resource "aws_eks_access_entry" "prod_awsreservedsso_administratoraccess_fedcba9876543210" {
  cluster_name  = "prod"
  principal_arn = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_fedcba9876543210"
  type          = "STANDARD"
  user_name     = "admin:{{SessionName}}"
}

resource "aws_eks_access_policy_association" "prod_awsreservedsso_administratoraccess_fedcba9876543210_cluster_admin" {
  cluster_name  = aws_eks_access_entry.prod_awsreservedsso_administratoraccess_fedcba9876543210.cluster_name
  principal_arn = aws_eks_access_entry.prod_awsreservedsso_administratoraccess_fedcba9876543210.principal_arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# aws-auth mapRoles line 16: arn:aws:iam::111122223333:role/platform-admin
resource "aws_eks_access_entry" "prod_platform-admin" {
  cluster_name  = "prod"
  principal_arn = "arn:aws:iam::111122223333:role/platform-admin"
  type          = "STANDARD"
  user_name     = "platform-admin"
}

resource "aws_eks_access_policy_association" "prod_platform-admin_cluster_admin" {
  cluster_name  = aws_eks_access_entry.prod_platform-admin.cluster_name
  principal_arn = aws_eks_access_entry.prod_platform-admin.principal_arn
  policy_arn    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# aws-auth mapRoles line 20: arn:aws:iam::111122223333:role/atlantis
# the path /ci/ comes from IAM (aws-auth cannot hold it)
# the entry also has AmazonEKSViewPolicy (namespaces apps scope), which stays
resource "aws_eks_access_entry" "prod_atlantis" {
  cluster_name      = "prod"
  principal_arn     = "arn:aws:iam::111122223333:role/ci/atlantis"
  type              = "STANDARD"
  user_name         = "atlantis"
  kubernetes_groups = ["deployers"]
}

# aws-auth mapRoles line 28: arn:aws:iam::444455556666:role/auditor
# the role's path is not checked (a role of account 444455556666, not the cluster's): the entry needs it, if the role has one
resource "aws_eks_access_entry" "prod_auditor" {
  cluster_name      = "prod"
  principal_arn     = "arn:aws:iam::444455556666:role/auditor"
  type              = "STANDARD"
  user_name         = "auditor"
  kubernetes_groups = ["readers"]
}

import {
  to = aws_eks_access_entry.prod_eks-managed-ng
  id = "prod:arn:aws:iam::111122223333:role/eks-managed-ng"
}

import {
  to = aws_eks_access_entry.prod_platform-admin
  id = "prod:arn:aws:iam::111122223333:role/platform-admin"
}

import {
  to = aws_eks_access_policy_association.prod_platform-admin_cluster_admin
  id = "prod#arn:aws:iam::111122223333:role/platform-admin#arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
}

import {
  to = aws_eks_access_entry.prod_atlantis
  id = "prod:arn:aws:iam::111122223333:role/ci/atlantis"
}

# Left out: access entries that exist and differ from aws-auth (resolve by hand).
#   arn:aws:iam::111122223333:role/data-etl: its Kubernetes groups are [etl, spark], aws-auth gives [etl]
#
# Not used by EKS today, so nothing to migrate:
#   mapRoles line 32 arn:aws:iam::111122223333:role/deleted-role: IAM has no role deleted-role in account 111122223333: the mapping lets no one in, and an access entry needs an existing role
