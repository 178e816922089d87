# The IAM role Atlantis runs as, through EKS Pod Identity. The EKS Pod Identity Agent add-on
# (eks-pod-identity-agent; install it first where the cluster lacks it) gives the pods of the
# atlantis/atlantis service account this role's credentials: it sets
# AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials and
# AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, which eks-tf-auth reads with botocore >= 1.34.41.
# Set none of IRSA's settings beside it (the eks.amazonaws.com/role-arn annotation,
# AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE): the Pod Identity token is no web identity token.
# Give the role what the plans need, and access to the clusters Atlantis deploys to.
data "aws_iam_policy_document" "atlantis_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "atlantis" {
  name               = "atlantis"
  assume_role_policy = data.aws_iam_policy_document.atlantis_assume.json
}

resource "aws_eks_pod_identity_association" "atlantis" {
  cluster_name    = "tools"
  namespace       = "atlantis"
  service_account = "atlantis"
  role_arn        = aws_iam_role.atlantis.arn
}
