data "aws_eks_cluster" "this" {
  name = "prod"
}

provider "kubernetes" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", "prod", "--region", "eu-west-1"]
  }
}

provider "helm" {
  # helm provider 2.x: kubernetes and exec are blocks.
  kubernetes {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)

    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "eks-tf-auth"
      args        = ["exec", "--cluster-name", "prod", "--region", "eu-west-1"]
    }
  }
}

terraform {
  required_providers {
    # Without this entry Terraform looks for hashicorp/kubectl, which does not exist.
    # alekc/kubectl is the maintained fork of gavinbunney/kubectl (whose last release, 1.14.0,
    # came out in March 2022) and takes the same provider arguments. If your configuration
    # already has a required_providers block, move this entry into it.
    kubectl = {
      source  = "alekc/kubectl"
      version = ">= 2.0.0"
    }
  }
}

provider "kubectl" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  load_config_file       = false

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", "prod", "--region", "eu-west-1"]
  }
}
