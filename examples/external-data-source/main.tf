# No AWS provider in this stack: `eks-tf-auth external` describes the cluster with the
# credentials of the environment Terraform runs in (or role_arn) and returns the endpoint, the CA
# and the exec arguments. It returns no token.
module "eks" {
  source = "../../terraform/modules/eks-external-auth"

  cluster_name = var.cluster_name
  region       = var.region
  role_arn     = var.role_arn
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

resource "kubernetes_namespace" "example" {
  metadata {
    name = var.namespace

    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }
}
