# KEDA: scales each queue's worker Deployment on the length of that queue's Redis list (the
# aws overlay's ScaledObjects). It reads Redis from its own pods on the nodes, which the Redis
# security group admits.
resource "helm_release" "keda" {
  name             = "keda"
  namespace        = "keda"
  create_namespace = true
  repository       = "https://kedacore.github.io/charts"
  chart            = "keda"
  version          = "2.20.2"

  depends_on = [module.eks]
}
