resource "random_password" "pull" {
  length = 32
}

output "pull_token" {
  value     = random_password.pull.result
  sensitive = true
}
