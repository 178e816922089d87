include {
  path = find_in_parent_folders()
}

terraform {
  source = "${get_parent_terragrunt_dir()}/modules//ingress"
}

inputs = {
  cluster_name     = "staging"
  cluster_endpoint = "https://staging.example.com"
}
