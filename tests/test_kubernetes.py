"""The Kubernetes manifests (deploy/kubernetes) as every overlay renders them, against what the
settings and docker/compose.yaml say: the same queues with the same worker commands, every
setting of .env.example set or defaulted, the health paths, one beat, the migrations Job of
the release, locked-down pods. Needs kubectl (for `kubectl kustomize`), nothing else: no
cluster, no network."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

from mallbots.settings import base

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
OVERLAYS = ["local", "aws"]
QUEUES = [base.MESSAGING_KERNEL_QUEUE, *base.MESSAGING_CONTEXT_QUEUES]
APP_ROLES = ["web", "worker", "beat", "migrate"]
# Set in the manifests without being one of the app's settings, each for a reason.
DEPLOYMENT_ONLY = {
    "POD_IP": "the web pod's IP, added to ALLOWED_HOSTS for probes, health checks and scrapes",
    "POSTGRES_PASSWORD": "the local overlay's PostgreSQL container reads it",
    "REDIS_PASSWORD": "KEDA's TriggerAuthentication reads it in the aws overlay",
}


@functools.cache
def rendered(overlay: str) -> tuple[dict, ...]:
    if not shutil.which("kubectl"):
        pytest.skip("kubectl is not on PATH: the overlays cannot be rendered here")
    result = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(overlay: str, kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in rendered(overlay) if doc["kind"] == kind}


def app_workloads(overlay: str) -> dict[str, dict]:
    workloads = {**of_kind(overlay, "Deployment"), **of_kind(overlay, "Job")}
    return {
        name: doc
        for name, doc in workloads.items()
        if doc["metadata"]["labels"].get("app.kubernetes.io/component") in APP_ROLES
    }


def main_container(workload: dict) -> dict:
    (container,) = [c for c in workload["spec"]["template"]["spec"]["containers"] if c["name"] == "mallbots"]
    return container


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())["services"]


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if re.match(r"^[A-Z]", line))
    return dict(pairs)


def settings_set(overlay: str, workload: dict) -> set[str]:
    """Every variable a container of the workload gets: its ConfigMap, its Secret (as the
    overlay's example lists it: the real one is never committed) and its own env."""
    container = main_container(workload)
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(of_kind(overlay, "ConfigMap")[source["configMapRef"]["name"]]["data"])
        if "secretRef" in source:
            names |= set(env_file(KUBERNETES / "overlays" / overlay / "secret.env.example"))
    return names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_worker_deployment_per_queue_runs_the_same_command_as_compose(overlay):
    # given
    services = compose()

    # when
    workers = {
        name: main_container(doc)["args"]
        for name, doc in of_kind(overlay, "Deployment").items()
        if doc["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    }

    # then
    assert sorted(workers) == sorted(f"worker-{queue}" for queue in QUEUES)
    for queue in QUEUES:
        args = workers[f"worker-{queue}"]
        assert args == services[f"worker-{queue}"]["command"], queue
        assert args[args.index("-Q") + 1] == queue


def test_the_aws_overlay_scales_every_queue_on_its_redis_list_with_keda():
    # when
    scaled = of_kind("aws", "ScaledObject")
    workers = {name: doc for name, doc in of_kind("aws", "Deployment").items() if name.startswith("worker-")}

    # then every queue has a ScaledObject on the Redis list of the queue's name
    assert sorted(scaled) == sorted(workers)
    for name, doc in scaled.items():
        (trigger,) = doc["spec"]["triggers"]
        assert doc["spec"]["scaleTargetRef"] == {"name": name}
        assert trigger["type"] == "redis"
        assert trigger["metadata"]["listName"] == name.removeprefix("worker-")
        assert trigger["metadata"]["enableTLS"] == "true"
        assert trigger["authenticationRef"] == {"name": "redis"}
        assert 1 <= doc["spec"]["minReplicaCount"] <= doc["spec"]["maxReplicaCount"]
    # and the Deployments leave their replica counts to KEDA
    assert [name for name, doc in workers.items() if "replicas" in doc["spec"]] == []
    (auth,) = of_kind("aws", "TriggerAuthentication").values()
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "password", "name": "mallbots-secrets", "key": "REDIS_PASSWORD"}
    ]


def test_the_local_overlay_runs_one_replica_per_queue_without_keda():
    # when
    workers = {
        name: doc for name, doc in of_kind("local", "Deployment").items() if name.startswith("worker-")
    }

    # then
    assert {name: doc["spec"]["replicas"] for name, doc in workers.items()} == {
        f"worker-{queue}": 1 for queue in QUEUES
    }
    assert of_kind("local", "ScaledObject") == {}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_beat_runs_exactly_once_and_is_stopped_before_its_successor_starts(overlay):
    # when
    beat = of_kind(overlay, "Deployment")["beat"]

    # then
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert main_container(beat)["args"][:4] == ["celery", "-A", "mallbots", "beat"]
    scaled = [doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind(overlay, "ScaledObject").values()]
    scaled += [
        doc["spec"]["scaleTargetRef"]["name"] for doc in of_kind(overlay, "HorizontalPodAutoscaler").values()
    ]
    assert "beat" not in scaled


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_use_the_live_and_ready_paths_and_never_progress(overlay):
    # given the compose file's health check and the app's routes
    compose_check = " ".join(compose()["web"]["healthcheck"]["test"])
    assert "/health/live" in compose_check
    assert resolve("/health/live").url_name == "health-live"
    assert resolve("/health/ready").url_name == "health-ready"

    # when
    web = main_container(of_kind(overlay, "Deployment")["web"])

    # then
    assert web["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert web["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert "/health/progress" not in yaml.safe_dump_all(rendered(overlay))
    # and a worker is alive when it answers the same ping as in compose
    for name, doc in app_workloads(overlay).items():
        if name.startswith("worker-"):
            ping = main_container(doc)["livenessProbe"]["exec"]["command"][-1]
            assert ping.replace('"', "") == compose()[name]["healthcheck"]["test"][1].replace("$$", "$"), name
            assert main_container(doc)["readinessProbe"]["exec"]["command"][-1] == ping, name


def test_the_alb_checks_readiness_and_the_ingresses_leave_metrics_unrouted():
    # when
    alb = of_kind("aws", "Ingress")["web"]
    local = of_kind("local", "Ingress")["web"]

    # then
    annotations = alb["metadata"]["annotations"]
    assert alb["spec"]["ingressClassName"] == "alb"
    assert annotations["alb.ingress.kubernetes.io/healthcheck-path"] == "/health/ready"
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"].startswith("arn:aws:acm:")
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert "ingressClassName" not in local["spec"]
    for ingress in (alb, local):
        paths = [path["path"] for path in ingress["spec"]["rules"][0]["http"]["paths"]]
        assert paths == ["/api", "/admin", "/static", "/health"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_setting_of_env_example_is_set_by_the_manifests_or_defaulted_by_the_app(overlay):
    # given every variable .env.example lists, but the developer scripts' and the test suite's
    example = (ROOT / ".env.example").read_text()
    deployed_part = example.split("# --- Developer scripts")[0]
    listed = set(re.findall(r"^# ?([A-Z][A-Z0-9_]*)=", deployed_part, flags=re.M)) - {"TEST_REDIS_URL"}
    code = "\n".join(path.read_text() for path in (ROOT / "mallbots").rglob("*.py"))
    defaulted = {
        name
        for name in listed
        if re.search(rf'env(?:\.\w+)?\(\s*"{name}",\s*default=', code)
        or re.search(rf'os\.environ\.(?:get|setdefault)\(\s*"{name}"', code)
    }
    production = (ROOT / "mallbots" / "settings" / "production.py").read_text()
    required = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"\s*\)', production))
    assert required == {"SECRET_KEY", "ALLOWED_HOSTS"}

    # when
    workloads = app_workloads(overlay)

    # then every app container gets what production needs, and nothing unknown
    for name, workload in workloads.items():
        names = settings_set(overlay, workload)
        assert required | {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"} <= names, name
        assert sorted(names - listed - set(DEPLOYMENT_ONLY)) == [], name
        assert sorted(listed - names - defaulted) == [], name
    # and what compose sets for every app service is set here as well
    compose_env = set(compose()["web"]["environment"])
    for name in ("web", "beat", "worker-ordering"):
        assert sorted(compose_env - settings_set(overlay, workloads[name])) == [], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workers_serve_their_metrics_and_every_process_writes_them_to_an_emptydir(overlay):
    # when
    workloads = app_workloads(overlay)
    config = next(iter(of_kind(overlay, "ConfigMap").values()))["data"]

    # then
    multiproc = config["PROMETHEUS_MULTIPROC_DIR"]
    for name, workload in workloads.items():
        pod = workload["spec"]["template"]["spec"]
        container = main_container(workload)
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        assert "emptyDir" in volumes[mounts[multiproc]], name
        assert "emptyDir" in volumes[mounts["/tmp"]], name
        assert container["command"][-2] == 'find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete && exec "$@"'
        env = {variable["name"]: variable.get("value") for variable in container.get("env", [])}
        is_worker = name.startswith("worker-")
        assert (env.get("CELERY_METRICS_PORT") == "9808") == is_worker, name
        if is_worker:
            assert compose()[name]["environment"]["CELERY_METRICS_PORT"] == "9808"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_as_non_root_on_a_read_only_root_filesystem(overlay):
    # when
    pods = {
        f"{doc['kind']}/{doc['metadata']['name']}": doc["spec"]["template"]["spec"]
        for doc in rendered(overlay)
        if doc["kind"] in ("Deployment", "StatefulSet", "Job")
    }

    # then
    assert pods
    for name, pod in pods.items():
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"] + pod.get("initContainers", []):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert context["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert context["capabilities"] == {"drop": ["ALL"]}, (name, container["name"])
            assert set(container["resources"]) == {"requests", "limits"}, (name, container["name"])


@pytest.mark.parametrize(
    ("overlay", "image"),
    [
        ("local", "mallbots:dev"),
        ("aws", env_file(KUBERNETES / "overlays" / "aws" / "cluster.env")["IMAGE"]),
    ],
)
def test_the_release_migrates_in_a_job_named_after_its_tag_and_new_pods_wait_for_it(overlay, image):
    # when
    jobs = of_kind(overlay, "Job")

    # then
    tag = image.rsplit(":", 1)[1]
    assert list(jobs) == [f"migrate-{tag}"]
    assert main_container(jobs[f"migrate-{tag}"])["args"] == ["python", "manage.py", "migrate", "--noinput"]
    for name, workload in app_workloads(overlay).items():
        pod = workload["spec"]["template"]["spec"]
        assert main_container(workload)["image"] == image, name
        if workload["kind"] == "Deployment":
            (wait,) = pod["initContainers"]
            assert wait["image"] == image, name
            assert "manage.py migrate --check" in wait["command"][-1], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_value_is_committed(overlay):
    # given
    example = env_file(KUBERNETES / "overlays" / overlay / "secret.env.example")
    ignored = (ROOT / ".gitignore").read_text().splitlines()

    # then
    assert of_kind(overlay, "Secret") == {}
    assert example["SECRET_KEY"] == ""
    assert "deploy/kubernetes/overlays/*/secret.env" in ignored
    assert (
        "kubectl -n mallbots create secret generic mallbots-secrets"
        in (KUBERNETES / "overlays" / overlay / "secret.env.example").read_text()
    )


def test_every_checkov_skip_in_the_deployment_says_why():
    # given every inline skip of the manifests, the Terraform and the Dockerfile
    files = [
        *(ROOT / "deploy").rglob("*.yaml"),
        *(ROOT / "deploy").rglob("*.tf"),
        ROOT / "docker" / "Dockerfile",
    ]
    skips = []
    for path in files:
        if "node_modules" in path.parts:
            continue
        text = path.read_text()
        skips += re.findall(r"checkov:skip=(\w+):(.*)", text)
        skips += re.findall(r'checkov\.io/skip\d+: "(\w+)=(.*)"', text)

    # then
    assert len(skips) > 10
    assert [check for check, reason in skips if len(reason.strip()) < 30] == []
