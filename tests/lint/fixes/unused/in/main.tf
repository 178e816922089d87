data "aws_eks_cluster_auth" "leftover" {
  name = var.cluster_name
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}
