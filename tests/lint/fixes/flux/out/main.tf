# Flux bootstrapped with a plan-time token: flux 0.x's kubernetes block and flux 1.x's
# kubernetes attribute both take an exec block instead.
provider "aws" {
  region = var.region
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

provider "flux" {
  kubernetes {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "eks-tf-auth"
      args        = ["exec", "--cluster-name", var.cluster_name, "--region", var.region]
    }
  }
  git {
    url = "ssh://git@github.com/example/fleet.git"
  }
}

provider "flux" {
  alias = "v1"
  kubernetes = {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "eks-tf-auth"
      args        = ["exec", "--cluster-name", var.cluster_name, "--region", var.region]
    }
  }
  git = {
    url = "https://github.com/example/fleet.git"
  }
}
