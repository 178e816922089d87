output "host" {
  description = "The cluster's API server endpoint."
  value       = data.aws_eks_cluster.this.endpoint
}

output "cluster_ca_certificate" {
  description = "The cluster's CA certificate, PEM (decoded)."
  value       = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
}

output "exec" {
  description = "The provider exec block: api_version, command, args, env."
  value = {
    api_version = var.api_version
    command     = var.command
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
        server                     = data.aws_eks_cluster.this.endpoint
        certificate-authority-data = data.aws_eks_cluster.this.certificate_authority[0].data
      }
    }]
    users    = [{ name = var.cluster_name, user = { exec = local.kubeconfig_exec } }]
    contexts = [{ name = var.cluster_name, context = { cluster = var.cluster_name, user = var.cluster_name } }]
  })
}
