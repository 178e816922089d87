# Atlantis with IRSA: the aws provider reads the projected token file itself.
provider "aws" {
  assume_role_with_web_identity {
    role_arn                = var.deploy_role_arn
    web_identity_token_file = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
  }
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

provider "kubernetes" {
  host = data.aws_eks_cluster.this.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args = [
      "eks", "get-token",
      "--cluster-name", var.cluster_name,
    ]
  }
}
