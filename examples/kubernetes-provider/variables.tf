variable "cluster_name" {
  description = "Name of an existing EKS cluster."
  type        = string
}

variable "region" {
  description = "AWS region of the cluster, such as eu-west-1."
  type        = string
}

variable "namespace" {
  description = "Name of the namespace this example creates."
  type        = string
  default     = "eks-tf-auth-example"
}
