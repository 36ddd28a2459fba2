variable "region" {
  description = "AWS region everything is created in, e.g. eu-west-1."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1 or us-east-2."
  }
}

variable "name" {
  description = "Name (and prefix) of every resource: the cluster, the database, the cache, the image repository."
  type        = string
  default     = "mallbots"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.name))
    error_message = "name must be 2 to 20 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "allowed_cidr_block" {
  description = "The only network allowed in: the ALB (HTTPS), the EKS API endpoint and, through a VPN or bastion, the database. Your office or VPN range; 0.0.0.0/0 opens the mall to everyone."
  type        = string

  validation {
    condition     = can(cidrhost(var.allowed_cidr_block, 0))
    error_message = "allowed_cidr_block must be an IPv4 CIDR block such as 203.0.113.0/24."
  }
}

variable "domain_name" {
  description = "Host name the mall answers on (the ACM certificate, the Ingress and Django's ALLOWED_HOSTS), e.g. mall.example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name such as mall.example.com."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of domain_name, to validate the certificate automatically. Empty: create the validation record shown by the certificate_validation_records output at your DNS provider."
  type        = string
  default     = ""

  validation {
    condition     = var.route53_zone_id == "" || can(regex("^Z[A-Z0-9]{1,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be empty or a hosted zone id such as Z0123456789ABCDEFGHIJ."
  }
}

variable "vpc_cidr" {
  description = "Address range of the VPC; each of the two zones gets a public, a private (nodes, pods), a database and an intra (EKS control plane) subnet of it."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 18
    error_message = "vpc_cidr must be an IPv4 CIDR block of /18 or larger (pods take VPC addresses)."
  }
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version. The manifests are validated against this version's schemas in CI (scripts/check_deploy.py reads it here)."
  type        = string
  default     = "1.35"

  validation {
    condition     = can(regex("^1\\.(3[0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be a 1.30 to 1.39 minor version such as 1.35."
  }
}

variable "node_instance_types" {
  description = "EC2 instance types of the node group (the first that has capacity is used). Cost: the nodes are most of the bill."
  type        = list(string)
  default     = ["m7i.large"]

  validation {
    condition     = length(var.node_instance_types) > 0 && alltrue([for t in var.node_instance_types : can(regex("^[a-z0-9-]+\\.[a-z0-9]+$", t))])
    error_message = "node_instance_types must list at least one EC2 instance type such as m7i.large."
  }
}

variable "node_capacity_type" {
  description = "ON_DEMAND, or SPOT for up to ~70% less on nodes that AWS may reclaim with two minutes' notice (workers tolerate it: messages are acknowledged after the task)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "node_capacity_type must be ON_DEMAND or SPOT."
  }
}

variable "node_min_size" {
  description = "Fewest nodes in the node group."
  type        = number
  default     = 2

  validation {
    condition     = var.node_min_size >= 1 && var.node_min_size <= 50
    error_message = "node_min_size must be between 1 and 50."
  }
}

variable "node_desired_size" {
  description = "Nodes the node group starts with (between node_min_size and node_max_size). Three m7i.large hold the default replicas with room for a rollout."
  type        = number
  default     = 3

  validation {
    condition     = var.node_desired_size >= var.node_min_size && var.node_desired_size <= var.node_max_size
    error_message = "node_desired_size must be between node_min_size and node_max_size."
  }
}

variable "node_max_size" {
  description = "Most nodes in the node group."
  type        = number
  default     = 6

  validation {
    condition     = var.node_max_size >= 1 && var.node_max_size <= 100
    error_message = "node_max_size must be between 1 and 100."
  }
}

variable "database_min_capacity" {
  description = "Aurora Serverless v2 minimum capacity in ACUs (1 ACU ~ 2 GiB of memory). 0 lets an idle database pause (it takes seconds to resume); 0.5 keeps it warm at the lowest cost."
  type        = number
  default     = 0.5

  validation {
    condition     = var.database_min_capacity >= 0 && var.database_min_capacity <= 256
    error_message = "database_min_capacity must be between 0 and 256 ACUs."
  }
}

variable "database_max_capacity" {
  description = "Aurora Serverless v2 maximum capacity in ACUs: the ceiling of the database's cost and of its connections (max_connections grows with it)."
  type        = number
  default     = 8

  validation {
    condition     = var.database_max_capacity >= 1 && var.database_max_capacity <= 256 && var.database_max_capacity >= var.database_min_capacity
    error_message = "database_max_capacity must be between 1 and 256 ACUs, and at least database_min_capacity."
  }
}

variable "database_instances" {
  description = "Aurora instances: 1 writer, plus readers in the other zone to fail over to. 2 is the smallest highly available setup; 1 halves the database's cost."
  type        = number
  default     = 2

  validation {
    condition     = var.database_instances >= 1 && var.database_instances <= 15
    error_message = "database_instances must be between 1 and 15."
  }
}

variable "postgres_engine_version" {
  description = "Aurora PostgreSQL engine version (the compose file runs PostgreSQL 16)."
  type        = string
  default     = "16.6"

  validation {
    condition     = can(regex("^1[4-9]\\.[0-9]+$", var.postgres_engine_version))
    error_message = "postgres_engine_version must be an Aurora PostgreSQL version such as 16.6."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type. Redis only carries messages between the relay and the workers: a small node suffices until the queues' backlog grows large."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.redis_node_type))
    error_message = "redis_node_type must be an ElastiCache node type such as cache.t4g.small."
  }
}

variable "redis_nodes" {
  description = "Redis nodes: a primary and replicas in the other zone (automatic failover from 2 on)."
  type        = number
  default     = 2

  validation {
    condition     = var.redis_nodes >= 1 && var.redis_nodes <= 6
    error_message = "redis_nodes must be between 1 and 6."
  }
}

variable "ecr_keep_images" {
  description = "Images kept in the ECR repository; older ones are expired (keep enough to roll back)."
  type        = number
  default     = 30

  validation {
    condition     = var.ecr_keep_images >= 5 && var.ecr_keep_images <= 1000
    error_message = "ecr_keep_images must be between 5 and 1000."
  }
}

variable "enable_monitoring" {
  description = "Install kube-prometheus-stack (Prometheus, Alertmanager, Grafana) with MallBots' alert rules and dashboard. Costs node capacity and a volume; turn off to use a monitoring stack of your own."
  type        = bool
  default     = true
}
