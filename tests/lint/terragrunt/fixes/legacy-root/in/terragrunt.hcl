# The older layout: a root terragrunt.hcl found with find_in_parent_folders(), two generate
# blocks (the data source and the provider in different files), <<-EOF and interpolation.
locals {
  aws_region  = "eu-central-1"
  max_retries = 5
}

generate "versions" {
  path      = "versions.tf"
  if_exists = "skip"
  contents  = <<-EOF
    terraform {
      required_providers {
        kubernetes = {
          source  = "hashicorp/kubernetes"
          version = "~> 2.30"
        }
      }
    }

    provider "aws" {
      region      = "${local.aws_region}"
      max_retries = ${local.max_retries}
    }

    data "aws_eks_cluster_auth" "cluster" {
      name = var.cluster_name
    }
  EOF
}

generate "k8s" {
  path      = "k8s.tf"
  if_exists = "overwrite"
  contents  = <<-EOF
    locals {
      labels = {
        "app.kubernetes.io/managed-by" = "terragrunt"
        region                         = "${local.aws_region}"
      }
      kube_token = data.aws_eks_cluster_auth.cluster.token
      greeting   = "$${var.cluster_name} in ${local.aws_region}"
    }

    provider "kubernetes" {
      host  = var.cluster_endpoint
      token = local.kube_token
    }
  EOF
}
