variable "cluster_name" {
  type = string
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

output "cluster_endpoint" {
  value = "https://${var.cluster_name}.example.com"
}

output "cluster_token" {
  value     = data.aws_eks_cluster_auth.this.token
  sensitive = true
}
