provider "aws" {
  alias = "ext"
  assume_role {
    role_arn    = "arn:aws:iam::111122223333:role/partner"
    external_id = var.external_id
  }
}

provider "aws" {
  alias = "dyn"
  dynamic "assume_role" {
    for_each = var.role_arn == null ? [] : [var.role_arn]
    content {
      role_arn = assume_role.value
    }
  }
}

provider "aws" {
  assume_role {
    role_arn = "arn:aws:iam::111122223333:role/terraform"
  }
}

data "aws_eks_cluster" "ext" {
  provider = aws.ext
  name     = "partner"
}

data "aws_eks_cluster" "dyn" {
  provider = aws.dyn
  name     = "dyn"
}

provider "kubernetes" {
  alias = "ext"
  host  = data.aws_eks_cluster.ext.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args = [
      "eks", "get-token", "--cluster-name", "partner", "--output", "json",
    ]
  }
}

provider "kubernetes" {
  alias = "dyn"
  host  = data.aws_eks_cluster.dyn.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args = [
      "eks", "get-token", "--cluster-name", "dyn", "--output", "json",
    ]
  }
}

provider "kubernetes" {
  alias = "readonly"
  host  = data.aws_eks_cluster.ext.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args = [
      "eks", "get-token", "--cluster-name", "partner",
      "--role-arn", "arn:aws:iam::111122223333:role/readonly", "--output", "json",
    ]
  }
}

data "external" "eks" {
  program = ["eks-tf-auth", "external"]
  query = {
    cluster_name = data.aws_eks_cluster.this.name
  }
}

data "aws_eks_cluster" "this" {
  name = "prod"
}
