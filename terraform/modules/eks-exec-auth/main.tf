data "aws_region" "current" {}

data "aws_eks_cluster" "this" {
  name = var.cluster_name

  lifecycle {
    precondition {
      condition     = var.region == null || var.region == data.aws_region.current.name
      error_message = "region must match the AWS provider's region, where the cluster is read."
    }
  }
}

locals {
  region       = coalesce(var.region, data.aws_region.current.name)
  aws_cli      = basename(var.command) == "aws"
  role_args    = var.role_arn == null ? [] : ["--role-arn", var.role_arn]
  profile_args = var.profile == null ? [] : ["--profile", var.profile]

  exec_args = local.aws_cli ? concat(
    ["--region", local.region, "eks", "get-token", "--cluster-name", var.cluster_name],
    local.role_args, local.profile_args, ["--output", "json"],
    ) : concat(
    ["exec", "--cluster-name", var.cluster_name, "--region", local.region],
    local.role_args, local.profile_args,
  )
  exec_env = var.profile == null ? {} : { AWS_PROFILE = var.profile }

  kubeconfig_exec = merge(
    {
      apiVersion = var.api_version
      command    = var.command
      args       = local.exec_args
      env        = length(local.exec_env) == 0 ? null : [for k, v in local.exec_env : { name = k, value = v }]
    },
    var.api_version == "client.authentication.k8s.io/v1" ? { interactiveMode = "Never" } : {},
  )
}
