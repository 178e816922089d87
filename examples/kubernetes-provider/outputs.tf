output "namespace" {
  description = "The namespace created through the exec-authenticated kubernetes provider."
  value       = kubernetes_namespace.example.metadata[0].name
}

output "kubeconfig" {
  description = "A kubeconfig for kubectl whose user runs eks-tf-auth exec."
  value       = module.eks.kubeconfig
}
