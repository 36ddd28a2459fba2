# The way in: the AWS Load Balancer Controller turns the aws overlay's Ingress into an ALB in
# the public subnets, with this stack's security group (security_groups.tf) and certificate.
# The ALB itself is made by the controller, not by Terraform: it follows the Ingress.

resource "aws_acm_certificate" "mall" {
  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# With a Route 53 zone the certificate validates itself; without one, create the records of
# the certificate_validation_records output at your DNS provider.
resource "aws_route53_record" "certificate_validation" {
  for_each = var.route53_zone_id == "" ? {} : {
    for option in aws_acm_certificate.mall.domain_validation_options : option.domain_name => option
  }

  zone_id = var.route53_zone_id
  name    = each.value.resource_record_name
  type    = each.value.resource_record_type
  records = [each.value.resource_record_value]
  ttl     = 300
}

resource "aws_acm_certificate_validation" "mall" {
  count = var.route53_zone_id == "" ? 0 : 1

  certificate_arn         = aws_acm_certificate.mall.arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

# The controller's IAM permissions (the community module carries the policy the controller's
# own documentation publishes), given to its service account through EKS Pod Identity.
module "aws_lb_controller_pod_identity" {
  #checkov:skip=CKV_TF_1:Registry modules are pinned to an exact release (version = "x.y.z"), the authors' release channel; a commit hash would need a git source instead of the registry.
  source  = "terraform-aws-modules/eks-pod-identity/aws"
  version = "2.8.1"

  name = "${var.name}-aws-lb-controller"

  attach_aws_lb_controller_policy = true

  associations = {
    controller = {
      cluster_name    = module.eks.cluster_name
      namespace       = "kube-system"
      service_account = "aws-load-balancer-controller"
    }
  }
}

resource "helm_release" "aws_load_balancer_controller" {
  name       = "aws-load-balancer-controller"
  namespace  = "kube-system"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-load-balancer-controller"
  version    = "3.5.0"

  values = [yamlencode({
    clusterName = module.eks.cluster_name
    region      = var.region
    vpcId       = module.vpc.vpc_id
    serviceAccount = {
      create = true
      name   = "aws-load-balancer-controller"
    }
  })]

  depends_on = [module.aws_lb_controller_pod_identity, module.eks]
}
