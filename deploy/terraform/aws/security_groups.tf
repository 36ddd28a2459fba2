# Who may talk to what. Nothing is open to the internet at large: the ALB takes HTTPS (and
# HTTP, to redirect it) from allowed_cidr_block only; PostgreSQL and Redis take connections
# from the cluster's nodes (where the pods run) and, for PostgreSQL, from allowed_cidr_block
# (an operator's psql through a VPN or a bastion: the database subnets have no internet route).

resource "aws_security_group" "alb" {
  #checkov:skip=CKV2_AWS_5:Attached to the ALB by the AWS Load Balancer Controller (the aws overlay's Ingress names it in alb.ingress.kubernetes.io/security-groups), not by Terraform.
  name        = "${var.name}-alb"
  description = "MallBots ALB: HTTPS and HTTP (redirected) from the allowed CIDR block only"
  vpc_id      = module.vpc.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the allowed CIDR block"
  cidr_ipv4         = var.allowed_cidr_block
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from the allowed CIDR block, answered with a redirect to HTTPS"
  cidr_ipv4         = var.allowed_cidr_block
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
}

resource "aws_vpc_security_group_egress_rule" "alb_to_pods" {
  security_group_id = aws_security_group.alb.id
  description       = "To the web pods (target type ip) inside the VPC"
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "tcp"
  from_port         = 8000
  to_port           = 8000
}

resource "aws_security_group" "database" {
  name        = "${var.name}-database"
  description = "MallBots Aurora PostgreSQL: from the EKS nodes and the allowed CIDR block"
  vpc_id      = module.vpc.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_nodes" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the EKS nodes and their pods"
  referenced_security_group_id = module.eks.node_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "database_from_allowed" {
  security_group_id = aws_security_group.database.id
  description       = "PostgreSQL from the allowed CIDR block (VPN or bastion)"
  cidr_ipv4         = var.allowed_cidr_block
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
}

resource "aws_security_group" "redis" {
  name        = "${var.name}-redis"
  description = "MallBots ElastiCache Redis: from the EKS nodes only"
  vpc_id      = module.vpc.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_nodes" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis (TLS) from the EKS nodes and their pods, KEDA included"
  referenced_security_group_id = module.eks.node_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}
