# terraform-aws-eks through an aliased aws provider that assumes the deployment role.
provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "deploy"
  region = "eu-west-1"

  assume_role {
    role_arn = var.deploy_role_arn
  }
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  providers = {
    aws = aws.deploy
  }

  cluster_name = "prod"
}

provider "kubernetes" {
  host                   = module.eks.cluster_endpoint
  cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    # This requires the awscli to be installed locally where Terraform is executed
    args = ["eks", "get-token", "--cluster-name", module.eks.cluster_name]
  }
}
