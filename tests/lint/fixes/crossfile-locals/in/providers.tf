provider "kubernetes" {
  host  = var.cluster_endpoint
  token = local.token
}
