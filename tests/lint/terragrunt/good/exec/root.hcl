# Near misses: an exec block, a dependency output that is a token but feeds no provider, a
# generate block that is disabled, a file that is not Terraform, Terragrunt's cache.
generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    provider "kubernetes" {
      host = var.cluster_endpoint
      exec {
        api_version = "client.authentication.k8s.io/v1beta1"
        command     = "eks-tf-auth"
        args        = ["exec", "--cluster-name", var.cluster_name]
      }
    }
  EOF
}

generate "legacy" {
  path      = "legacy.tf"
  if_exists = "overwrite_terragrunt"
  disable   = true
  contents  = <<-EOF
    data "aws_eks_cluster_auth" "old" {
      name = var.cluster_name
    }

    provider "kubernetes" {
      alias = "old"
      token = data.aws_eks_cluster_auth.old.token
    }
  EOF
}

generate "values" {
  path      = "values.yaml"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    token: data.aws_eks_cluster_auth.this.token
  EOF
}
