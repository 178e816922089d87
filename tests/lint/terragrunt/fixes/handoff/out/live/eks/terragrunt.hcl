terraform {
  source = "../../modules/eks"
}

inputs = {
  cluster_name = "prod"
}
