# The IAM role Atlantis runs as, through IAM roles for service accounts (IRSA). EKS gives the
# pods of the ci/atlantis-server service account, annotated with the output below, AWS_ROLE_ARN
# and AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token.
# The cluster's OIDC issuer must be an IAM OIDC provider. Give the role what the plans need,
# and access to the clusters Atlantis deploys to.
data "aws_eks_cluster" "atlantis" {
  name = "tools"
}

data "aws_iam_openid_connect_provider" "atlantis" {
  url = data.aws_eks_cluster.atlantis.identity[0].oidc[0].issuer
}

locals {
  atlantis_oidc_issuer = trimprefix(data.aws_eks_cluster.atlantis.identity[0].oidc[0].issuer, "https://")
}

data "aws_iam_policy_document" "atlantis_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.atlantis.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.atlantis_oidc_issuer}:sub"
      values   = ["system:serviceaccount:ci:atlantis-server"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.atlantis_oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "atlantis" {
  name               = "atlantis-tools"
  assume_role_policy = data.aws_iam_policy_document.atlantis_assume.json
}

output "atlantis_service_account_annotations" {
  description = "Annotations for the Atlantis service account (the Helm chart's serviceAccount.annotations)."
  value       = { "eks.amazonaws.com/role-arn" = aws_iam_role.atlantis.arn }
}
