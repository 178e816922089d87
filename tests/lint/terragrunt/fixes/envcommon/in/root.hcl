locals {
  cluster_name = "dev"
}

generate "eks_auth" {
  path      = "eks_auth.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
data "aws_eks_cluster_auth" "eks" {
  name = "${local.cluster_name}"
}
EOF
}
