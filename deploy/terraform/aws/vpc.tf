# The network: two availability zones, each with a public subnet (the ALB, the NAT gateway),
# a private one (nodes and pods: the VPC CNI gives pods VPC addresses, hence the /20s), a
# database one (Aurora, ElastiCache) and an intra one (the EKS control plane's interfaces).
module "vpc" {
  #checkov:skip=CKV_TF_1:Registry modules are pinned to an exact release (version = "x.y.z"), the authors' release channel; a commit hash would need a git source instead of the registry.
  source  = "terraform-aws-modules/vpc/aws"
  version = "6.6.0"

  name = var.name
  cidr = var.vpc_cidr
  azs  = local.azs

  public_subnets   = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i)]
  private_subnets  = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 4, i + 1)]
  database_subnets = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 10)]
  intra_subnets    = [for i, _ in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 12)]

  create_database_subnet_group = true
  # ElastiCache uses the database subnets through a subnet group of its own (elasticache.tf).
  create_elasticache_subnet_group = false

  # Cost: one NAT gateway for both zones (~35 USD a month plus traffic) instead of one per
  # zone; set one_nat_gateway_per_az = true to survive the loss of the NAT's zone.
  enable_nat_gateway     = true
  single_nat_gateway     = true
  one_nat_gateway_per_az = false

  enable_dns_hostnames = true
  enable_dns_support   = true

  # Flow logs of rejected and accepted traffic, for incident analysis.
  enable_flow_log                                 = true
  create_flow_log_cloudwatch_log_group            = true
  create_flow_log_cloudwatch_iam_role             = true
  flow_log_cloudwatch_log_group_retention_in_days = 30

  # The tags the AWS Load Balancer Controller looks for to place the internet-facing ALB.
  public_subnet_tags = {
    "kubernetes.io/role/elb" = 1
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = 1
  }
}
