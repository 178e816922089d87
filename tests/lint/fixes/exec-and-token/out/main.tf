provider "kubernetes" {
  host                   = var.host
  cluster_ca_certificate = base64decode(var.ca)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", var.cluster_name]
  }
}
