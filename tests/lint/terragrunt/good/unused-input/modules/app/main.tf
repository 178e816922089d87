variable "registry_token" {
  type      = string
  sensitive = true
}

provider "kubernetes" {
  config_path = "~/.kube/config"
}

resource "kubernetes_secret" "pull" {
  metadata {
    name = "registry"
  }
  data = {
    token = var.registry_token
  }
}
