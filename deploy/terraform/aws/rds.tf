# PostgreSQL, the system of record (events, read models, outbox, inbox, dead letters): Aurora
# PostgreSQL Serverless v2, the seed's "serverless PostgreSQL". It bills per ACU-second between
# database_min_capacity and database_max_capacity, so a quiet mall costs little and a busy
# one scales without a resize. In the database subnets, reachable from the cluster's nodes and
# allowed_cidr_block only (security_groups.tf). The password is Terraform's (in its encrypted
# state), not one RDS rotates by itself: the app reads it from a Kubernetes Secret that would
# not follow a rotation. To rotate it: `terraform apply -replace=random_password.database`,
# then `make aws-secret` and a rollout restart (README).
resource "random_password" "database" {
  length  = 40
  special = false
}

resource "aws_rds_cluster" "main" {
  #checkov:skip=CKV2_AWS_8:Aurora's own continuous backups (14 days, point-in-time restore), deletion protection and a final snapshot cover this database; an AWS Backup plan (cross-account or longer retention) is a cost to choose per installation.
  #checkov:skip=CKV2_AWS_27:Statements slower than 500 ms are logged (log_min_duration_statement); logging every statement of an event-sourced write path would cost more CloudWatch Logs than it tells.
  cluster_identifier = var.name
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.postgres_engine_version
  database_name      = "mallbots"
  master_username    = "mallbots"
  master_password    = random_password.database.result

  db_subnet_group_name   = module.vpc.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.database.id]

  serverlessv2_scaling_configuration {
    min_capacity = var.database_min_capacity
    max_capacity = var.database_max_capacity
  }

  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.data.arn
  iam_database_authentication_enabled = true
  deletion_protection                 = true
  backup_retention_period             = 14
  preferred_backup_window             = "02:00-03:00"
  copy_tags_to_snapshot               = true
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${var.name}-final"
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  db_cluster_parameter_group_name     = aws_rds_cluster_parameter_group.main.name
}

resource "aws_rds_cluster_parameter_group" "main" {
  name        = "${var.name}-aurora-postgresql${local.postgres_major}"
  family      = "aurora-postgresql${local.postgres_major}"
  description = "MallBots: TLS only, slow statements logged"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }
}

locals {
  postgres_major = split(".", var.postgres_engine_version)[0]
}

resource "aws_rds_cluster_instance" "main" {
  count = var.database_instances

  identifier         = "${var.name}-${count.index}"
  cluster_identifier = aws_rds_cluster.main.id
  instance_class     = "db.serverless"
  engine             = aws_rds_cluster.main.engine
  engine_version     = aws_rds_cluster.main.engine_version

  db_subnet_group_name            = module.vpc.database_subnet_group_name
  publicly_accessible             = false
  auto_minor_version_upgrade      = true
  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.data.arn
  monitoring_interval             = 60
  monitoring_role_arn             = aws_iam_role.rds_monitoring.arn
}

# Enhanced monitoring (OS metrics every minute) needs a role RDS can assume.
resource "aws_iam_role" "rds_monitoring" {
  name = "${var.name}-rds-monitoring"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}
