// Validates the custom resources of rendered manifests (KEDA's ScaledObject and
// TriggerAuthentication, the Prometheus Operator's ServiceMonitor and PodMonitor) against
// their own schemas, which kubernetes-validate does not have. The schemas come with the
// @kubernetes-models packages (generated from the projects' API types), installed by
// `npm ci` from package-lock.json: nothing is downloaded while validating.
//
//   node deploy/checks/validate-crds.mjs rendered.yaml [more.yaml ...]
//
// Prints one line per custom resource; exits 1 when one is invalid, 2 when a custom resource
// has a kind without a schema here (add its package rather than let it pass unchecked).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PodMonitor, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const models = {
  "keda.sh/v1alpha1 ScaledObject": ScaledObject,
  "keda.sh/v1alpha1 TriggerAuthentication": TriggerAuthentication,
  "monitoring.coreos.com/v1 ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1 PodMonitor": PodMonitor,
};
// Kubernetes' own API groups: kubernetes-validate checks those.
const builtin = /^(v1|(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io)\/v\d+)$/;

let invalid = 0;
let unknown = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const resource = doc.toJS();
    if (!resource || builtin.test(resource.apiVersion)) continue;
    const key = `${resource.apiVersion} ${resource.kind}`;
    const where = `${file} ${resource.kind}/${resource.metadata?.name}`;
    const Model = models[key];
    if (!Model) {
      unknown++;
      console.log(`ERROR ${where}: no schema for ${key}`);
      continue;
    }
    try {
      new Model(resource).validate();
      console.log(`INFO ${where} passed against its ${resource.apiVersion} schema`);
    } catch (error) {
      invalid++;
      console.log(`ERROR ${where} did not validate: ${error.message}`);
    }
  }
}
process.exit(invalid ? 1 : unknown ? 2 : 0);
