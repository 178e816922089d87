output "host" {
  description = "The cluster's API server endpoint."
  value       = local.result.endpoint
}

output "cluster_ca_certificate" {
  description = "The cluster's CA certificate, PEM (decoded)."
  value       = base64decode(local.result.certificate_authority_data)
}

output "exec" {
  description = "The provider exec block: api_version, command, args, env."
  value = {
    api_version = local.result.exec_api_version
    command     = local.result.exec_command
    args        = local.exec_args
    env         = local.exec_env
  }
}

output "kubeconfig" {
  description = "A kubeconfig (YAML) whose user runs the exec command."
  value = yamlencode({
    apiVersion      = "v1"
    kind            = "Config"
    current-context = var.cluster_name
    clusters = [{
      name = var.cluster_name
      cluster = {
        server                     = local.result.endpoint
        certificate-authority-data = local.result.certificate_authority_data
      }
    }]
    users    = [{ name = var.cluster_name, user = { exec = local.kubeconfig_exec } }]
    contexts = [{ name = var.cluster_name, context = { cluster = var.cluster_name, user = var.cluster_name } }]
  })
}
