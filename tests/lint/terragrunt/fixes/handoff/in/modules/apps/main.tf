variable "cluster_host" {
  type = string
}

variable "k8s_token" {
  type      = string
  sensitive = true
}

variable "helm_token" {
  type      = string
  sensitive = true
}

locals {
  helm_token = var.helm_token
}

provider "kubernetes" {
  host  = var.cluster_host
  token = var.k8s_token
}

provider "helm" {
  kubernetes {
    host  = var.cluster_host
    token = local.helm_token
  }
}
