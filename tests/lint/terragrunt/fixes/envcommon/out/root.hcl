locals {
  cluster_name = "dev"
}

generate "eks_auth" {
  path      = "eks_auth.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
EOF
}
