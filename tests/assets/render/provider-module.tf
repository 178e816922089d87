module "eks" {
  source = "git::https://github.com/eks-tf-auth/eks-tf-auth.git//terraform/modules/eks-exec-auth?ref=7620bcc749e828885b4402d3553a23d535b62208"

  cluster_name = "prod"
}

provider "kubernetes" {
  host                   = module.eks.host
  cluster_ca_certificate = module.eks.cluster_ca_certificate

  exec {
    api_version = module.eks.exec.api_version
    command     = module.eks.exec.command
    args        = module.eks.exec.args
    env         = module.eks.exec.env
  }
}

provider "helm" {
  # helm provider 2.x: kubernetes and exec are blocks.
  kubernetes {
    host                   = module.eks.host
    cluster_ca_certificate = module.eks.cluster_ca_certificate

    exec {
      api_version = module.eks.exec.api_version
      command     = module.eks.exec.command
      args        = module.eks.exec.args
      env         = module.eks.exec.env
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
  host                   = module.eks.host
  cluster_ca_certificate = module.eks.cluster_ca_certificate
  load_config_file       = false

  exec {
    api_version = module.eks.exec.api_version
    command     = module.eks.exec.command
    args        = module.eks.exec.args
    env         = module.eks.exec.env
  }
}
