# Redis, the Celery broker: one list per queue, which KEDA reads to scale each queue's workers.
# maxmemory-policy noeviction: a full Redis must refuse writes (the relay retries, rows wait
# in the outbox) rather than silently drop queued messages. Redis is not the system of record
# (PostgreSQL is), so no backups are kept; a primary and a replica in the other zone with
# automatic failover keep messages in flight across a node's loss. TLS in transit and an AUTH
# token: the app's REDIS_URL is rediss://:<token>@<primary endpoint>:6379/0.
resource "random_password" "redis_auth_token" {
  length  = 64
  special = false
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = "${var.name}-redis"
  subnet_ids = module.vpc.database_subnets
}

resource "aws_elasticache_parameter_group" "redis" {
  name        = "${var.name}-redis7"
  family      = "redis7"
  description = "MallBots broker: never evict a queued message"

  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }
}

resource "aws_elasticache_replication_group" "redis" {
  #checkov:skip=CKV_AWS_134:Redis only carries messages between the relay and the workers; PostgreSQL is the system of record, and a restored snapshot would only redeliver old messages (which the inbox skips).
  #checkov:skip=CKV2_AWS_50:Multi-AZ with automatic failover is on whenever redis_nodes > 1 (the default is 2); a one-node cache is a deliberate cost choice.
  replication_group_id = var.name
  description          = "MallBots Celery broker"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = var.redis_node_type
  port                 = 6379

  num_cache_clusters         = var.redis_nodes
  automatic_failover_enabled = var.redis_nodes > 1
  multi_az_enabled           = var.redis_nodes > 1

  parameter_group_name = aws_elasticache_parameter_group.redis.name
  subnet_group_name    = aws_elasticache_subnet_group.redis.name
  security_group_ids   = [aws_security_group.redis.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.data.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis_auth_token.result

  snapshot_retention_limit   = 0
  auto_minor_version_upgrade = true
  maintenance_window         = "sun:03:00-sun:04:00"
}
