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
      greeting = "$${var.cluster_name} in ${local.aws_region}"
    }

    provider "kubernetes" {
      host = var.cluster_endpoint
      exec {
        api_version = "client.authentication.k8s.io/v1beta1"
        command     = "eks-tf-auth"
        args        = ["exec", "--cluster-name", var.cluster_name, "--region", "${local.aws_region}"]
      }
    }
  EOF
}
