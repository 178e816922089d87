include "root" {
  path = find_in_parent_folders("root.hcl")
}

terraform {
  source = "../../../../modules/apps"
}

inputs = {
  namespace = "apps"
}
