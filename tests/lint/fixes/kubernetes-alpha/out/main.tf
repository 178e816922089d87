data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

provider "kubernetes-alpha" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", var.cluster_name]
  }
}
