#!/usr/bin/env bash
# A release of MallBots onto the AWS stack of deploy/terraform/aws (the Makefile's aws-*
# targets call this; the README's "Deploying to Kubernetes / AWS" walks through it):
#
#   scripts/aws.sh kubeconfig        point kubectl at the stack's EKS cluster
#   scripts/aws.sh image TAG         build docker/Dockerfile and push it to ECR as TAG
#   scripts/aws.sh overlay TAG       write deploy/kubernetes/overlays/aws/cluster.env
#   scripts/aws.sh secret            create or update the mallbots-secrets Secret
#   scripts/aws.sh apply TAG         apply the aws overlay, wait for the migrations and rollouts
#   scripts/aws.sh deploy TAG        all of the above, in that order
#
# Needs: terraform (with the stack applied), the AWS CLI, docker, kubectl, python3, git.
# TAG names one build: lowercase letters, digits, dots and dashes (the migrations Job is
# called migrate-TAG). The Makefile uses the commit's short hash.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="$ROOT/deploy/terraform/aws"
OVERLAY="$ROOT/deploy/kubernetes/overlays/aws"
NAMESPACE=mallbots

die() { echo "aws.sh: $*" >&2; exit 1; }
output() { terraform -chdir="$STACK" output -raw "$1"; }

need_tag() {
  [[ "${1:-}" =~ ^[a-z0-9]([a-z0-9.-]{0,40}[a-z0-9])?$ ]] ||
    die "TAG must be 1 to 42 lowercase letters, digits, dots or dashes (got '${1:-}')"
}

kubeconfig() {
  aws eks update-kubeconfig --region "$(output region)" --name "$(output cluster_name)"
}

image() {
  local tag=$1 repository registry
  need_tag "$tag"
  # The tag says which commit the image is: build it from exactly that commit.
  if [ -n "$(git -C "$ROOT" status --porcelain -- . ':!deploy/kubernetes/overlays/aws/cluster.env')" ]; then
    die "the work tree has uncommitted changes: commit them, or the image would not be $tag"
  fi
  repository="$(output ecr_repository_url)"
  registry="${repository%%/*}"
  if aws ecr describe-images --region "$(output region)" --repository-name "${repository#*/}" \
       --image-ids "imageTag=$tag" >/dev/null 2>&1; then
    echo "$repository:$tag is already in ECR (tags are immutable): not rebuilt"
    return
  fi
  aws ecr get-login-password --region "$(output region)" |
    docker login --username AWS --password-stdin "$registry"
  docker build -f "$ROOT/docker/Dockerfile" -t "$repository:$tag" "$ROOT"
  docker push "$repository:$tag"
}

overlay() {
  local tag=$1
  need_tag "$tag"
  {
    echo "# Written by scripts/aws.sh overlay from \`terraform output\` (deploy/terraform/aws)."
    echo "IMAGE=$(output ecr_repository_url):$tag"
    output cluster_env
    echo
  } >"$OVERLAY/cluster.env"
  echo "wrote $OVERLAY/cluster.env:"
  cat "$OVERLAY/cluster.env"
}

secret() {
  local secret_key
  # Keep the SECRET_KEY of a running mall: a new one signs everybody out.
  secret_key="$(kubectl -n "$NAMESPACE" get secret mallbots-secrets -o 'jsonpath={.data.SECRET_KEY}' 2>/dev/null | base64 -d || true)"
  [ -n "$secret_key" ] || secret_key="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
  kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 || kubectl create namespace "$NAMESPACE"
  # Passwords from Terraform's state go through the environment, never a command line.
  SECRET_KEY="$secret_key" \
  DATABASE_HOST="$(output database_endpoint)" \
  DATABASE_PASSWORD="$(output database_password)" \
  REDIS_HOST="$(output redis_endpoint)" \
  REDIS_PASSWORD="$(output redis_auth_token)" \
  python3 - <<'PY' | kubectl apply -f -
import json, os
from urllib.parse import quote

env = os.environ
data = {
    "SECRET_KEY": env["SECRET_KEY"],
    "DATABASE_URL": f"postgres://mallbots:{quote(env['DATABASE_PASSWORD'], safe='')}@{env['DATABASE_HOST']}:5432/mallbots?sslmode=require",
    "REDIS_URL": f"rediss://:{quote(env['REDIS_PASSWORD'], safe='')}@{env['REDIS_HOST']}:6379/0?ssl_cert_reqs=required",
    "REDIS_PASSWORD": env["REDIS_PASSWORD"],
}
print(json.dumps({
    "apiVersion": "v1",
    "kind": "Secret",
    "type": "Opaque",
    "metadata": {"name": "mallbots-secrets", "namespace": "mallbots"},
    "stringData": data,
}))
PY
}

apply() {
  local tag=$1
  need_tag "$tag"
  grep -qx "IMAGE=.*:$tag" "$OVERLAY/cluster.env" ||
    die "cluster.env does not deploy $tag: run \`scripts/aws.sh overlay $tag\` first"
  kubectl get -n "$NAMESPACE" secret mallbots-secrets >/dev/null ||
    die "no mallbots-secrets Secret: run \`scripts/aws.sh secret\` first"
  kubectl apply -k "$OVERLAY"
  echo "waiting for the migrations (job/migrate-$tag) ..."
  kubectl -n "$NAMESPACE" wait --for=condition=complete "job/migrate-$tag" --timeout=30m
  for deployment in $(kubectl -n "$NAMESPACE" get deployments -l app.kubernetes.io/part-of=mallbots -o name); do
    kubectl -n "$NAMESPACE" rollout status "$deployment" --timeout=15m
  done
  echo "MallBots $tag is running: https://$(sed -n 's/^HOST=//p' "$OVERLAY/cluster.env")/admin/"
}

command=${1:-}
shift || true
case "$command" in
  kubeconfig) kubeconfig ;;
  image) image "$@" ;;
  overlay) overlay "$@" ;;
  secret) secret ;;
  apply) apply "$@" ;;
  deploy)
    kubeconfig
    image "$@"
    overlay "$@"
    kubectl -n "$NAMESPACE" get secret mallbots-secrets >/dev/null 2>&1 || secret
    apply "$@"
    ;;
  *) sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
