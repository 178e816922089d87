variable "cluster_name" {
  type = string
}

provider "kubernetes" {
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", var.cluster_name]
  }
}
