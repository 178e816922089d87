provider "helm" {
  # helm provider 3.x: kubernetes and exec are attributes.
  kubernetes = {
    host                   = "https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com"
    cluster_ca_certificate = base64decode("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=")

    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "eks-tf-auth"
      args        = ["exec", "--cluster-name", "prod", "--region", "eu-west-1"]
    }
  }
}
