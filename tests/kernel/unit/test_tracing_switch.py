"""Tracing is switched on by the environment only."""

from __future__ import annotations

import pytest

from mallbots.kernel.messaging import tracing

pytestmark = pytest.mark.unit


def test_tracing_is_off_unless_the_environment_asks(monkeypatch):
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "MALLBOTS_TRACING"):
        monkeypatch.delenv(name, raising=False)
    # given / when / then
    assert (tracing.enabled(), tracing.configure()) == (False, False)
    monkeypatch.setenv("MALLBOTS_TRACING", "1")
    assert tracing.enabled() is True
    monkeypatch.delenv("MALLBOTS_TRACING")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert tracing.enabled() is True
