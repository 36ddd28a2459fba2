provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "terraform"
    }
  }
}

# Helm talks to the cluster this stack creates, with a token from the AWS CLI of whoever runs
# Terraform (the cluster's creator is its administrator: eks.tf).
provider "helm" {
  kubernetes = {
    host                   = module.eks.cluster_endpoint
    cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)

    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.eks.cluster_name, "--region", var.region]
    }
  }
}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the first two zones are used (locals.azs); a zone AWS adds later sorts after them and changes nothing.
  state = "available"
}

data "aws_caller_identity" "current" {}

locals {
  # Two availability zones, as the seed's deployment: enough for a database failover and
  # for the web and workers to survive a zone's loss, without a third NAT gateway's cost.
  azs = slice(data.aws_availability_zones.available.names, 0, 2)
}
