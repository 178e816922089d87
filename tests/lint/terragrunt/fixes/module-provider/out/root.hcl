generate "auth" {
  path      = "auth.tf"
  if_exists = "overwrite_terragrunt"
  contents  = <<-EOF
  EOF
}
