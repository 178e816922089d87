# The data source and the locals in one file, the provider in another (a common layout).
data "aws_eks_cluster_auth" "cluster" {
  count = var.enabled ? 1 : 0
  name  = local.cluster_name
}

locals {
  cluster_name = "${var.prefix}-eks"
  raw_token    = one(data.aws_eks_cluster_auth.cluster[*].token)
  token        = local.raw_token # only ever the provider's
  tags         = { Team = "platform" }
}
