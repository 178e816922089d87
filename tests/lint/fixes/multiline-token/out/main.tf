# A token written over several lines is found from the finding's position, on the token's own
# line, and replaced whole.
data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

provider "kubernetes" {
  host = data.aws_eks_cluster.this.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", var.cluster_name]
  }
}

provider "helm" {
  kubernetes = {
    host = data.aws_eks_cluster.this.endpoint
    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "eks-tf-auth"
      args        = ["exec", "--cluster-name", var.cluster_name]
    }
  }
}
