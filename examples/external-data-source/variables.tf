variable "cluster_name" {
  description = "Name of an existing EKS cluster."
  type        = string
}

variable "region" {
  description = "AWS region of the cluster; null takes AWS_REGION or the profile's region."
  type        = string
  default     = null
}

variable "role_arn" {
  description = "IAM role to describe the cluster and sign tokens with; null uses your own credentials."
  type        = string
  default     = null
}

variable "namespace" {
  description = "Name of the namespace this example creates."
  type        = string
  default     = "eks-tf-auth-external-example"
}
