# What --fix cannot rewrite: it lists each one, with the reason, and exits 1.
data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "each" {
  for_each = toset(var.clusters)
  name     = each.key
}

module "k8s" {
  source = "./modules/k8s"
  token  = data.aws_eks_cluster_auth.this.token
}

provider "kubernetes" {
  alias = "undeclared"
  token = data.aws_eks_cluster_auth.missing.token
}

provider "kubernetes" {
  alias = "each"
  token = data.aws_eks_cluster_auth.each["a"].token
}

provider "kubernetes" { token = data.aws_eks_cluster_auth.this.token }

provider "helm" {
  kubernetes = merge(local.connection, {
    token = data.aws_eks_cluster_auth.this.token
  })
}

output "token" {
  value     = data.aws_eks_cluster_auth.this.token
  sensitive = true
}
