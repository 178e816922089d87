output "namespace" {
  description = "The namespace created through the exec-authenticated kubernetes provider."
  value       = kubernetes_namespace.example.metadata[0].name
}

output "exec_args" {
  description = "The arguments the kubernetes provider passes to eks-tf-auth."
  value       = module.eks.exec.args
}

output "kubeconfig" {
  description = "A kubeconfig for kubectl whose user runs eks-tf-auth exec."
  value       = module.eks.kubeconfig
}
