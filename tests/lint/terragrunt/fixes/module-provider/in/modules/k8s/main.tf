variable "cluster_name" {
  type = string
}

provider "kubernetes" {
  token = data.aws_eks_cluster_auth.this.token
}
