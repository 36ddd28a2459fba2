"""The Prometheus alert rules and the Grafana dashboard (deploy/observability): they speak of
the metrics the app exports (by name, with their labels), every rule says how bad and what it
means, and the kernel's progress figures are all watched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
OBSERVABILITY = ROOT / "deploy" / "observability"
# The messaging kernel's and django-prometheus's metrics the rules may use, with their labels,
# and kube-state-metrics' and Prometheus' own.
GAUGES = {
    "mallbots_outbox_lag_seconds": set(),
    "mallbots_outbox_unsent_messages": set(),
    "mallbots_deliveries_overdue": set(),
    "mallbots_deliveries_stuck": set(),
    "mallbots_dead_letters": set(),
    "mallbots_failed_deliveries": {"status"},
    "mallbots_subscriber_lag": {"subscriber"},
    "mallbots_queue_backlog": {"queue"},
}
HISTOGRAMS = {
    "mallbots_saga_duration_seconds": {"outcome"},
    "mallbots_handler_duration_seconds": {"handler"},
    "django_http_requests_latency_seconds_by_view_method": {"view", "method"},
}
COUNTERS = {"django_http_responses_total_by_status_total": {"status"}}
OTHERS = {"kube_deployment_status_replicas_available": {"deployment"}, "up": set()}
KNOWN = {
    **GAUGES,
    **COUNTERS,
    **OTHERS,
    **{f"{name}_{suffix}": labels for name, labels in HISTOGRAMS.items() for suffix in ("bucket", "count")},
}
PROMQL_WORDS = {"max", "sum", "rate", "histogram_quantile"}


def rules() -> list[dict]:
    document = yaml.safe_load((OBSERVABILITY / "prometheus" / "mallbots-alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((OBSERVABILITY / "grafana" / "mallbots-messaging.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def metrics_in(expression: str) -> set[str]:
    bare = re.sub(r"\{[^}]*\}|by \([^)]*\)|\[\w+\]", "", expression)
    return set(re.findall(r"[a-z_][a-z0-9_]*", bare)) - PROMQL_WORDS


def labels_in(expression: str) -> set[str]:
    grouped = {label for group in re.findall(r"by \(([^)]*)\)", expression) for label in group.split(",")}
    matched = set(re.findall(r"(\w+)\s*=~?\s*\"", expression))
    return {label.strip() for label in grouped | matched} - {"le", "namespace"}


@pytest.mark.parametrize("source", ["rules", "dashboard"])
def test_every_expression_uses_exported_metrics_and_their_labels(source):
    # given
    expressions = [rule["expr"] for rule in rules()] if source == "rules" else dashboard_expressions()

    # then
    assert expressions
    for expression in expressions:
        metrics = metrics_in(expression)
        assert metrics and metrics <= set(KNOWN), (expression, metrics - set(KNOWN))
        allowed = set().union(*(KNOWN[name] for name in metrics))
        assert labels_in(expression) <= allowed, expression


def test_every_progress_figure_of_the_kernel_is_alerted_on_and_shown():
    # given
    alerted = set().union(*(metrics_in(rule["expr"]) for rule in rules()))
    shown = set().union(*(metrics_in(expression) for expression in dashboard_expressions()))

    # then
    watched = {*GAUGES, "mallbots_saga_duration_seconds_bucket", "mallbots_handler_duration_seconds_bucket"}
    assert sorted(watched - alerted) == []
    assert sorted(watched - shown) == []


def test_every_rule_waits_says_how_bad_it_is_and_what_it_means():
    # when
    all_rules = rules()

    # then
    names = [rule["alert"] for rule in all_rules]
    assert len(names) == len(set(names))
    for rule in all_rules:
        assert re.fullmatch(r"\d+m", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        # the gauges come alike from every web replica: a rule on one of them takes their max
        for gauge in metrics_in(rule["expr"]) & set(GAUGES):
            assert "max(" in rule["expr"] or "max by" in rule["expr"], (rule["alert"], gauge)
