# Prometheus, Alertmanager and Grafana (kube-prometheus-stack) in the monitoring namespace,
# which the manifests' NetworkPolicy lets scrape the workers. Prometheus picks up every
# ServiceMonitor and PodMonitor (the aws overlay's included); MallBots' alert rules and
# Grafana dashboard are deploy/observability's files, so they are reviewed where they live.
# Prometheus keeps two days on its pod's disk; give it a volume (EBS CSI driver) or use Amazon
# Managed Service for Prometheus for longer. Alertmanager has no receiver until you add one.
resource "random_password" "grafana_admin" {
  count   = var.enable_monitoring ? 1 : 0
  length  = 32
  special = false
}

resource "helm_release" "kube_prometheus_stack" {
  count = var.enable_monitoring ? 1 : 0

  name             = "kube-prometheus-stack"
  namespace        = "monitoring"
  create_namespace = true
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = "88.5.3"

  values = [yamlencode({
    prometheus = {
      prometheusSpec = {
        retention                               = "2d"
        serviceMonitorSelectorNilUsesHelmValues = false
        podMonitorSelectorNilUsesHelmValues     = false
        ruleSelectorNilUsesHelmValues           = false
      }
    }
    additionalPrometheusRulesMap = {
      mallbots = yamldecode(file("${path.module}/../../observability/prometheus/mallbots-alerts.yaml"))
    }
    grafana = {
      adminPassword = random_password.grafana_admin[0].result
      dashboardProviders = {
        "dashboardproviders.yaml" = {
          apiVersion = 1
          providers = [{
            name            = "mallbots"
            orgId           = 1
            folder          = "MallBots"
            type            = "file"
            disableDeletion = true
            editable        = false
            options         = { path = "/var/lib/grafana/dashboards/mallbots" }
          }]
        }
      }
      dashboards = {
        mallbots = {
          mallbots-messaging = {
            json = file("${path.module}/../../observability/grafana/mallbots-messaging.json")
          }
        }
      }
    }
  })]

  depends_on = [module.eks]
}
