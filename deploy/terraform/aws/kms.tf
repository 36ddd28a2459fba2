# One customer-managed key for the data at rest: the database, its Performance Insights, the
# cache and the image repository (about 1 USD a month, rotated yearly). The services use it
# through grants of the account's principals, which the default key policy allows.
resource "aws_kms_key" "data" {
  description             = "${var.name}: data at rest (Aurora, ElastiCache, ECR)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name}-data"
  target_key_id = aws_kms_key.data.key_id
}
