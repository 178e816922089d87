# Connections --fix leaves alone, each listed with the reason.
data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

locals {
  kube = {
    host  = data.aws_eks_cluster.this.endpoint
    token = data.aws_eks_cluster_auth.this.token
  }
}

provider "helm" {
  kubernetes = local.kube
}

provider "kustomization" {
  kubeconfig_raw = templatefile("${path.module}/kubeconfig.tpl", {
    endpoint = data.aws_eks_cluster.this.endpoint
    token    = data.aws_eks_cluster_auth.this.token
  })
}
