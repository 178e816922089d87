# cloudposse's shape: a plan-time token by default, exec when asked for.
data "aws_eks_cluster_auth" "eks" {
  count = local.kube_data_auth_enabled ? 1 : 0
  name  = local.eks_cluster_id
}

provider "kubernetes" {
  host                   = local.eks_cluster_endpoint
  cluster_ca_certificate = base64decode(local.certificate_authority_data)
  token                  = local.kube_exec_auth_enabled ? null : one(data.aws_eks_cluster_auth.eks[*].token)

  dynamic "exec" {
    for_each = local.kube_exec_auth_enabled ? ["exec"] : []
    content {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = concat(local.exec_role, ["eks", "get-token", "--cluster-name", local.eks_cluster_id])
    }
  }
}

provider "helm" {
  kubernetes {
    host                   = local.eks_cluster_endpoint
    cluster_ca_certificate = base64decode(local.certificate_authority_data)
    token                  = !local.kube_exec_auth_enabled ? one(data.aws_eks_cluster_auth.eks[*].token) : null

    dynamic "exec" {
      for_each = local.kube_exec_auth_enabled ? ["exec"] : []
      content {
        api_version = "client.authentication.k8s.io/v1beta1"
        command     = "aws"
        args = [
          "eks", "get-token",
          "--cluster-name", local.eks_cluster_id,
        ]
      }
    }
  }
}
