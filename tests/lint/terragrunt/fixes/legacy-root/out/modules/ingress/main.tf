variable "cluster_name" {
  type = string
}

variable "cluster_endpoint" {
  type = string
}

resource "kubernetes_namespace" "ingress" {
  metadata {
    name   = "ingress"
    labels = local.labels
  }
}
