# A token written over several lines is found from the finding's position, on the token's own
# line, and replaced whole.
data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

locals {
  token = try(
    data.aws_eks_cluster_auth.this.token,
    null,
  )
}

provider "kubernetes" {
  host = data.aws_eks_cluster.this.endpoint
  token = (
    var.use_token ? local.token : null
  )
}

provider "helm" {
  kubernetes = {
    host = data.aws_eks_cluster.this.endpoint
    token = coalesce(
      var.token,
      data.aws_eks_cluster_auth.this.token,
    )
  }
}
