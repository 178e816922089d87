# The data source and the locals in one file, the provider in another (a common layout).
locals {
  cluster_name = "${var.prefix}-eks"
  tags         = { Team = "platform" }
}
