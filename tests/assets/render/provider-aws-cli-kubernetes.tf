data "aws_eks_cluster" "this" {
  name = "prod"
}

provider "kubernetes" {
  alias                  = "prod"
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--role-arn", "arn:aws:iam::123456789012:role/deploy", "--output", "json"]
  }
}
