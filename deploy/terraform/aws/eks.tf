# The EKS cluster: its API endpoint public but open to allowed_cidr_block only (Terraform,
# kubectl and the deploy script run from there), secrets encrypted with a KMS key of the
# module's, control-plane logs in CloudWatch, and one managed node group in the private
# subnets of both zones. The VPC CNI enforces the manifests' NetworkPolicies.
module "eks" {
  #checkov:skip=CKV_TF_1:Registry modules are pinned to an exact release (version = "x.y.z"), the authors' release channel; a commit hash would need a git source instead of the registry.
  source  = "terraform-aws-modules/eks/aws"
  version = "21.19.0"

  name               = var.name
  kubernetes_version = var.kubernetes_version

  endpoint_public_access       = true
  endpoint_public_access_cidrs = [var.allowed_cidr_block]
  endpoint_private_access      = true

  # Whoever creates the cluster administers it (access entry); add others with access_entries.
  enable_cluster_creator_admin_permissions = true

  enabled_log_types                      = ["api", "audit", "authenticator"]
  cloudwatch_log_group_retention_in_days = 30

  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.private_subnets
  control_plane_subnet_ids = module.vpc.intra_subnets

  addons = {
    coredns = {}
    # Pod Identity: how the Load Balancer Controller gets its IAM role (alb.tf).
    eks-pod-identity-agent = {
      before_compute = true
    }
    kube-proxy = {}
    vpc-cni = {
      before_compute       = true
      configuration_values = jsonencode({ enableNetworkPolicy = "true" })
    }
  }

  eks_managed_node_groups = {
    default = {
      ami_type       = "AL2023_x86_64_STANDARD"
      instance_types = var.node_instance_types
      capacity_type  = var.node_capacity_type

      min_size     = var.node_min_size
      max_size     = var.node_max_size
      desired_size = var.node_desired_size

      # IMDSv2 only, one hop: pods cannot borrow the node's IAM role through the metadata
      # endpoint (they get roles of their own through Pod Identity).
      metadata_options = {
        http_endpoint               = "enabled"
        http_tokens                 = "required"
        http_put_response_hop_limit = 1
      }

      update_config = {
        max_unavailable_percentage = 33
      }
    }
  }
}
