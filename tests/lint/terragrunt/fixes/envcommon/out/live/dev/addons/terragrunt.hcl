include "root" {
  path = find_in_parent_folders("root.hcl")
}

include "envcommon" {
  path   = "${dirname(find_in_parent_folders("root.hcl"))}/_envcommon/addons.hcl"
  expose = true
}

inputs = {
  cluster_endpoint = "https://dev.example.com"
}
