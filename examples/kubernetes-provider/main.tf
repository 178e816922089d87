provider "aws" {
  region = var.region
}

# Reads the cluster's endpoint and CA through the AWS provider and builds the exec block.
# No token is read here: the providers below ask `eks-tf-auth exec` for one whenever they start.
module "eks" {
  source = "../../terraform/modules/eks-exec-auth"

  cluster_name = var.cluster_name
  region       = var.region
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

# helm provider 2.x: `kubernetes` and `exec` are nested blocks. For the 3.x attribute syntax see
# README.md.
provider "helm" {
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

resource "kubernetes_namespace" "example" {
  metadata {
    name = var.namespace

    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }
}
