# MallBots on AWS: a VPC across two availability zones, an EKS cluster, Aurora PostgreSQL
# Serverless v2, ElastiCache Redis, one ECR repository, and in the cluster the AWS Load
# Balancer Controller, KEDA and (optionally) Prometheus with Grafana. The Kubernetes manifests
# are deploy/kubernetes/overlays/aws; `make aws-overlay` feeds them this stack's outputs.
#
# Community modules are pinned to exact versions; providers to a minor series. `terraform
# init` writes .terraform.lock.hcl with the exact provider builds: commit it.
terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.28"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }

  # State in S3 with S3's own locking (terraform init -backend-config=backend.hcl; see the
  # README's "Deploying to Kubernetes / AWS" for the bucket).
  backend "s3" {}
}
