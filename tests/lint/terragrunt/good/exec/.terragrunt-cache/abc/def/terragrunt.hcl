include "root" {
  path = find_in_parent_folders("root.hcl")
}

dependency "registry" {
  config_path = "../registry"
}

terraform {
  source = "git::https://github.com/example/modules.git//app?ref=v1.2.0"
}

inputs = {
  registry_token = dependency.registry.outputs.pull_token
}
