# One customer-managed key for the data at rest: the database, its Performance Insights, the
# cache and the image repository (about 1 USD a month, rotated yearly). The services use it
# through grants of the account's principals, which the default key policy allows.
resource "aws_kms_key" "data" {
  description             = "${var.name}: data at rest (Aurora, ElastiCache, ECR)"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  # The default key policy, written out: the account administers the key; Aurora,
  # ElastiCache and ECR use it through grants made by the account's principals.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersTheKey"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name}-data"
  target_key_id = aws_kms_key.data.key_id
}
