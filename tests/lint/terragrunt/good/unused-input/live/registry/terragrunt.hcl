terraform {
  source = "../../modules/registry"
}
