variable "token" {
  type      = string
  sensitive = true
}

provider "kubernetes" {
  token = var.token
}
