# The layout most Terragrunt repositories copy: one root.hcl that every unit includes, whose
# generate "provider" block writes the AWS, Kubernetes and Helm providers into each unit.
locals {
  region_vars  = read_terragrunt_config(find_in_parent_folders("region.hcl"))
  aws_region   = local.region_vars.locals.aws_region
  cluster_name = "prod-eks"
}

remote_state {
  backend = "s3"
  generate = {
    path      = "backend.tf"
    if_exists = "overwrite_terragrunt"
  }
  config = {
    bucket = "example-terraform-state"
    key    = "${path_relative_to_include()}/terraform.tfstate"
    region = local.aws_region
  }
}

generate "provider" {
  path      = "provider.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<EOF
provider "aws" {
  region = "${local.aws_region}"
}

data "aws_eks_cluster" "this" {
  name = "${local.cluster_name}"
}

provider "kubernetes" {
  host                   = data.aws_eks_cluster.this.endpoint
  cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "eks-tf-auth"
    args        = ["exec", "--cluster-name", "${local.cluster_name}", "--region", "${local.aws_region}"]
  }
}

provider "helm" {
  kubernetes {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "eks-tf-auth"
      args        = ["exec", "--cluster-name", "${local.cluster_name}", "--region", "${local.aws_region}"]
    }
  }
}
EOF
}
