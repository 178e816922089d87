# Flux bootstrapped with a plan-time token: flux 0.x's kubernetes block and flux 1.x's
# kubernetes attribute both take an exec block instead.
provider "aws" {
  region = var.region
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

provider "flux" {
  kubernetes {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    token                  = data.aws_eks_cluster_auth.this.token
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
    token                  = data.aws_eks_cluster_auth.this.token
  }
  git = {
    url = "https://github.com/example/fleet.git"
  }
}
