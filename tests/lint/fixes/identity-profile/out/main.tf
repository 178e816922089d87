provider "aws" {
  region  = "eu-west-1"
  profile = "platform"
}

data "aws_eks_cluster" "this" {
  name = "prod"
}

provider "helm" {
  kubernetes = {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)

    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args = [
        "eks", "get-token", "--profile", "platform", # the AWS CLI
        "--cluster-name", "prod", "--output", "json",
      ]
    }
  }
}
