generate "auth" {
  path      = "auth.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    data "aws_eks_cluster_auth" "this" {
      name = var.cluster_name
    }
  EOF
}
