locals {
  # The external provider accepts only string values: leave out the inputs that are null.
  # include_token is never sent: a token read by a data source is frozen into saved plans and
  # state, which is what the exec block exists to avoid.
  query_inputs = {
    cluster_name = var.cluster_name
    region       = var.region
    role_arn     = var.role_arn
    profile      = var.profile
    command      = var.command
    api_version  = var.api_version
  }
  query = { for key, value in local.query_inputs : key => value if value != null }
}

data "external" "eks" {
  program = var.program
  query   = local.query
}

locals {
  result    = data.external.eks.result
  exec_args = jsondecode(local.result.exec_args)
  exec_env  = jsondecode(local.result.exec_env)

  kubeconfig_exec = merge(
    {
      apiVersion = local.result.exec_api_version
      command    = local.result.exec_command
      args       = local.exec_args
      env        = length(local.exec_env) == 0 ? null : [for k, v in local.exec_env : { name = k, value = v }]
    },
    local.result.exec_api_version == "client.authentication.k8s.io/v1" ? { interactiveMode = "Never" } : {},
  )
}
