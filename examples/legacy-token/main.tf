# ANTI-PATTERN, kept on purpose: the demo and the linter's test input. Do not copy it.
# The token below is minted at plan time, lives 15 minutes, is frozen into saved plans and is
# stored in plaintext in plan files and state. README.md shows the fix (a provider exec block).

provider "aws" {
  region = var.region
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

provider "kubernetes" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  token                  = data.aws_eks_cluster_auth.this.token
}

resource "kubernetes_namespace" "example" {
  metadata {
    name = var.namespace
  }
}
