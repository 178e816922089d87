# A token handed from one unit to the next: the eks unit outputs it, this one takes it as an
# input; and one from a unit that is not in the repository.
dependency "eks" {
  config_path = "../eks"

  mock_outputs = {
    cluster_token    = "mock-token"
    cluster_endpoint = "https://mock.example.com"
  }
}

dependency "platform" {
  config_path = "../platform"
}

terraform {
  source = "../../modules/apps"
}

inputs = {
  cluster_host = dependency.eks.outputs.cluster_endpoint
  k8s_token    = dependency.eks.outputs.cluster_token
  helm_token   = dependency.platform.outputs.admin_token
}
