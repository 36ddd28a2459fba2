# What the rest of the deployment needs: `make aws-overlay` writes the overlay's cluster.env
# from cluster_env and ecr_repository_url, `make aws-secret` builds the Kubernetes Secret from
# the database and Redis outputs.

output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

output "cluster_name" {
  description = "EKS cluster name: aws eks update-kubeconfig --name <this> --region <region>."
  value       = module.eks.cluster_name
}

output "ecr_repository_url" {
  description = "Where the image is pushed: <this>:<tag>."
  value       = aws_ecr_repository.mallbots.repository_url
}

output "database_endpoint" {
  description = "Aurora writer endpoint (host) for DATABASE_URL."
  value       = aws_rds_cluster.main.endpoint
}

output "database_password" {
  description = "Password of the database user mallbots, for DATABASE_URL."
  value       = random_password.database.result
  sensitive   = true
}

output "redis_endpoint" {
  description = "ElastiCache primary endpoint (host) for REDIS_URL."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "redis_auth_token" {
  description = "ElastiCache AUTH token, for REDIS_URL and KEDA (REDIS_PASSWORD)."
  value       = random_password.redis_auth_token.result
  sensitive   = true
}

output "certificate_arn" {
  description = "ACM certificate of domain_name, used by the ALB."
  value       = aws_acm_certificate.mall.arn
}

output "certificate_validation_records" {
  description = "DNS records that validate the certificate (created automatically when route53_zone_id is set)."
  value = [for option in aws_acm_certificate.mall.domain_validation_options : {
    name  = option.resource_record_name
    type  = option.resource_record_type
    value = option.resource_record_value
  }]
}

output "alb_security_group_id" {
  description = "Security group the ALB is created with (open to allowed_cidr_block only)."
  value       = aws_security_group.alb.id
}

output "grafana_admin_password" {
  description = "Grafana's admin password (user admin), when enable_monitoring is on."
  value       = var.enable_monitoring ? random_password.grafana_admin[0].result : null
  sensitive   = true
}

output "cluster_env" {
  description = "The aws overlay's cluster.env without its IMAGE line (the release adds it)."
  value = join("\n", [
    "HOST=${var.domain_name}",
    "CERTIFICATE_ARN=${aws_acm_certificate.mall.arn}",
    "ALB_SECURITY_GROUP_ID=${aws_security_group.alb.id}",
    "REDIS_ADDRESS=${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379",
  ])
}
