dependency "registry" {
  config_path = "../registry"
}

terraform {
  source = "../../modules/app"
}

inputs = {
  registry_token = dependency.registry.outputs.pull_token
}
