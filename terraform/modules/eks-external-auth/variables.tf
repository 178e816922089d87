variable "cluster_name" {
  description = "Name of the EKS cluster."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.cluster_name))
    error_message = "cluster_name must be 1-100 letters, digits, '-' or '_', starting alphanumeric."
  }
}

variable "region" {
  description = "Region of the cluster; null lets the program take AWS_REGION or the profile's region."
  type        = string
  default     = null

  validation {
    condition     = var.region == null || can(regex("^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$", var.region))
    error_message = "region must be a region code such as eu-west-1."
  }
}

variable "role_arn" {
  description = "IAM role assumed both to describe the cluster and, by exec, for the token (null: the caller's own credentials)."
  type        = string
  default     = null

  validation {
    condition     = var.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must look like arn:aws:iam::123456789012:role/NAME."
  }
}

variable "profile" {
  description = "AWS profile for the lookup and for exec (passed as --profile and AWS_PROFILE); null for none."
  type        = string
  default     = null
}

variable "command" {
  description = "What the exec block runs: eks-tf-auth (default), a path to it, or aws for 'aws eks get-token'."
  type        = string
  default     = "eks-tf-auth"

  validation {
    condition     = length(trimspace(var.command)) > 0
    error_message = "command must not be empty."
  }
}

variable "api_version" {
  description = "ExecCredential apiVersion for the exec block."
  type        = string
  default     = "client.authentication.k8s.io/v1beta1"

  validation {
    condition     = contains(["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"], var.api_version)
    error_message = "api_version must be client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1 (v1alpha1 was removed in Kubernetes 1.24)."
  }
}

variable "program" {
  description = "The external data source's program: eks-tf-auth external, or a path to it."
  type        = list(string)
  default     = ["eks-tf-auth", "external"]
  nullable    = false

  validation {
    condition     = length(var.program) > 0 && alltrue([for part in var.program : length(trimspace(part)) > 0])
    error_message = "program must be a non-empty list of non-empty strings, such as [\"eks-tf-auth\", \"external\"]."
  }
}
