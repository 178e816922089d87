data "aws_eks_cluster_auth" "this" {
  name = "cached"
}

provider "kubernetes" {
  token = data.aws_eks_cluster_auth.this.token
}
