# Access entries of EKS cluster prod, from aws-auth by eks-tf-auth.
# aws-auth: hostile/aws-auth.yaml
# Planned offline: the cluster was not described and role paths were not checked.

# aws-auth mapRoles line 1: arn:aws:iam::111122223333:role/quotes
# the role's path is not checked (not looked up in IAM): the entry needs it, if the role has one
resource "aws_eks_access_entry" "prod_quotes" {
  cluster_name      = "prod"
  principal_arn     = "arn:aws:iam::111122223333:role/quotes"
  type              = "STANDARD"
  user_name         = "a \"quoted\" \u0024{var.secret} \u0025{ if true }x\u0025{ endif } user"
  kubernetes_groups = ["group\nwith a line break\nresource \"x\" \"y\" {}", "$\u0024{escaped} \\ backslash"]
}

# aws-auth mapRoles line 6: arn:aws:iam::111122223333:role/unicode
# the role's path is not checked (not looked up in IAM): the entry needs it, if the role has one
resource "aws_eks_access_entry" "prod_unicode" {
  cluster_name      = "prod"
  principal_arn     = "arn:aws:iam::111122223333:role/unicode"
  type              = "STANDARD"
  user_name         = "\u00fcn\u00efc\u00f6d\u00e9-\u2713-\U0001f600"
  kubernetes_groups = ["na\u00efve"]
}

# Not migrated: EKS honours these aws-auth mappings and no access entry can stand
# for them, so switching the cluster to API mode cuts them off.
#   mapRoles line 9 arn:aws:iam::111122223333:role/comment-breaker: the username 'system:x\n}\nresource "aws_iam_user" "evil" {' starts with 'system:', which access entries refuse (system:, aws:, amazon:, eks:, iam:)
