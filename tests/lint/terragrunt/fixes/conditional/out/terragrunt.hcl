locals {
  use_exec  = false
  use_token = true
}

generate "auth" {
  path      = "auth.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
    %{ if local.use_token }
    %{ endif }
  EOF
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents = (local.use_exec ? <<-EOF
    provider "kubernetes" {
      exec {
        api_version = "client.authentication.k8s.io/v1beta1"
        command     = "eks-tf-auth"
        args        = ["exec", "--cluster-name", var.cluster_name]
      }
    }
  EOF
  : <<-EOF
    provider "kubernetes" {
      exec {
        api_version = "client.authentication.k8s.io/v1beta1"
        command     = "eks-tf-auth"
        args        = ["exec", "--cluster-name", var.cluster_name]
      }
    }
  EOF
  )
}
