"""The deployment files: docker/compose.yaml and docker/Dockerfile against what the settings
need (every queue has its workers, health checks, graceful stops), and .env.example against
every variable the settings read. Docker itself is not needed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from mallbots.settings import base

pytestmark = pytest.mark.contract

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ["web", "beat", "worker"]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())


def words(command) -> list[str]:
    return command if isinstance(command, list) else shlex.split(command)


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def queue_workers(services: dict) -> dict[str, dict]:
    return {name: svc for name, svc in services.items() if name.startswith("worker-")}


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return int(match.group(1))


def test_compose_runs_postgres_redis_web_beat_and_one_worker_per_queue():
    # given
    queues = [base.MESSAGING_KERNEL_QUEUE, *base.MESSAGING_CONTEXT_QUEUES]

    # when
    services = compose()["services"]

    # then
    assert sorted(services) == sorted(
        [
            "postgres",
            "redis",
            "web",
            "beat",
            "worker",
            "prometheus",
            "jaeger",
            *(f"worker-{queue}" for queue in queues),
        ]
    )
    workers = queue_workers(services)
    consumed = {}
    for name, svc in workers.items():
        args = words(svc["command"])
        assert args[:4] == ["celery", "-A", "mallbots", "worker"], name
        consumed[name] = option(args, "-Q")
        # --scale needs replicas that differ: no fixed container or node name, no host port
        assert "container_name" not in svc and "ports" not in svc, name
        assert option(args, "-n") is None and option(args, "--hostname") is None, name
        assert "profiles" not in svc, name
    assert consumed == {f"worker-{queue}": queue for queue in queues}


def test_the_all_in_one_profile_runs_one_worker_for_every_queue():
    # when
    services = compose()["services"]

    # then
    worker = services["worker"]
    assert worker["profiles"] == ["all-in-one"]
    args = words(worker["command"])
    assert args[:4] == ["celery", "-A", "mallbots", "worker"]
    assert option(args, "-Q") is None
    assert [name for name, svc in services.items() if "all-in-one" in svc.get("profiles", [])] == ["worker"]


def test_every_long_running_service_has_a_health_check_that_does_not_wait_for_readiness():
    # when
    services = compose()["services"]

    # then
    assert services["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/health/live" in web_check
    assert "/health/ready" not in web_check
    for name in [*queue_workers(services), "worker"]:
        assert services[name]["healthcheck"]["test"] == [
            "CMD-SHELL",
            "env -u PROMETHEUS_MULTIPROC_DIR celery -A mallbots inspect ping -d celery@$$HOSTNAME --timeout 10 >/dev/null",
        ], name
        assert services[name]["depends_on"]["web"] == {"condition": "service_started"}, name
    assert services["beat"]["healthcheck"] == {"disable": True}
    assert services["beat"]["depends_on"]["web"] == {"condition": "service_started"}


def test_redis_never_evicts_and_keeps_an_append_only_file():
    # when
    redis = compose()["services"]["redis"]

    # then
    args = words(redis["command"])
    assert option(args, "--maxmemory-policy") == "noeviction"
    assert option(args, "--appendonly") == "yes"
    assert redis["volumes"] == ["redis-data:/data"]


def test_app_services_get_production_settings_and_their_required_environment():
    # when
    services = compose()["services"]

    # then
    app_services = ["web", "beat", "worker", *queue_workers(services)]
    for name in app_services:
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "mallbots.settings.production", name
        for variable in ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"]:
            assert environment.get(variable), (name, variable)
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:-"), name
        assert environment["ALLOWED_HOSTS"] == "${ALLOWED_HOSTS:-localhost,127.0.0.1,web}", name
        assert environment["DATABASE_URL"].endswith("@postgres:5432/mallbots"), name
        assert environment["REDIS_URL"] == "redis://redis:6379/0", name
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}, name


def test_web_and_workers_stop_gracefully_within_their_grace_period():
    # when
    services = compose()["services"]

    # then
    web = words(services["web"]["command"])
    gunicorn = web[web.index("-c") + 1]
    graceful = int(option(shlex.split(gunicorn.split("exec ", 1)[1]), "--graceful-timeout"))
    assert graceful == 30
    assert seconds(services["web"]["stop_grace_period"]) > graceful
    for name in [*queue_workers(services), "worker"]:
        assert seconds(services[name]["stop_grace_period"]) > base.CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT, name


def test_the_dockerfile_builds_a_slim_non_root_gunicorn_image_with_static_files():
    # when
    lines = [
        line.strip() for line in (ROOT / "docker" / "Dockerfile").read_text().splitlines() if line.strip()
    ]

    # then
    assert "FROM python:3.11-slim" in lines
    assert "RUN pip install -r requirements/prod.txt" in lines
    assert any("manage.py collectstatic --noinput" in line for line in lines)
    assert "USER mallbots" in lines
    cmd = "\n".join(lines[lines.index(next(line for line in lines if line.startswith("CMD "))) :])
    assert '"gunicorn", "mallbots.wsgi"' in cmd
    assert '"--graceful-timeout", "30"' in cmd
    assert '"--no-control-socket"' in cmd
    assert "whitenoise==" in (ROOT / "requirements" / "base.txt").read_text()


def test_env_example_lists_every_variable_the_settings_read():
    # given every env("NAME") / env.<type>("NAME") of the settings modules
    read = set()
    for module in (ROOT / "mallbots" / "settings").glob("*.py"):
        read |= set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', module.read_text()))

    # when
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^# ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))

    # then
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read
    assert sorted(read - listed) == []


def test_every_process_keeps_its_metrics_in_a_directory_emptied_when_its_container_starts():
    # when
    services = compose()["services"]

    # then
    reset = 'rm -rf "$$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && exec '
    web = words(services["web"]["command"])
    assert reset + "gunicorn " in web[web.index("-c") + 1]
    for name in ["beat", "worker", *queue_workers(services)]:
        environment = services[name]["environment"]
        assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/mallbots-metrics", name
        assert environment["CELERY_METRICS_PORT"] == "9808", name
        assert reset + '"$$@"' in services[name]["entrypoint"][2], name
    assert services["web"]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/mallbots-metrics"
    assert "CELERY_METRICS_PORT" not in services["web"]["environment"]


def test_the_observability_profile_scrapes_every_worker_and_keeps_traces():
    # given
    services = compose()["services"]
    scrape = yaml.safe_load((ROOT / "docker" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    # then Prometheus and Jaeger start only with the profile
    assert services["prometheus"]["profiles"] == ["observability"]
    assert services["jaeger"]["profiles"] == ["observability"]
    assert "./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in services["prometheus"]["volumes"]
    assert services["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    # and web plus every worker service (all replicas, by DNS) are scraped
    assert jobs["web"]["static_configs"] == [{"targets": ["web:8000"]}]
    (discovery,) = jobs["workers"]["dns_sd_configs"]
    assert discovery["port"] == 9808
    assert sorted(discovery["names"]) == sorted([*queue_workers(services), "worker"])
    # and the app services pass an OTLP endpoint through (empty: tracing off)
    assert services["web"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"
