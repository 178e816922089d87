module "eks" {
  source = "./modules/eks-exec-auth"

  cluster_name = "prod"
  region       = "eu-west-1"
  role_arn     = "arn:aws:iam::123456789012:role/deploy"
  profile      = "ci"
  api_version  = "client.authentication.k8s.io/v1"
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
