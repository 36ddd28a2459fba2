"""The saga duration histogram and the completed-orders counter move when orders commit."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.ordering.factories import OrderFactory

pytestmark = pytest.mark.integration


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


@pytest.mark.django_db
def test_approved_rejected_and_completed_orders_are_measured(django_capture_on_commit_callbacks):
    # given
    names = [
        ("mallbots_saga_duration_seconds_count", {"outcome": "approved"}),
        ("mallbots_saga_duration_seconds_count", {"outcome": "rejected"}),
        ("orders_completed_total", {}),
    ]
    before = [sample(name, **labels) for name, labels in names]
    # when one order goes all the way, another is rejected, a third stays pending
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(status="completed")
        OrderFactory(status="rejected")
        OrderFactory(status="pending")
    # then
    assert [sample(name, **labels) - b for (name, labels), b in zip(names, before, strict=True)] == [
        1.0,
        1.0,
        1.0,
    ]


@pytest.mark.django_db
def test_nothing_is_measured_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    # given
    before = sample("mallbots_saga_duration_seconds_count", outcome="approved")
    # when the commit never comes
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        OrderFactory(status="approved")
    # then
    assert len(callbacks) > 0
    assert sample("mallbots_saga_duration_seconds_count", outcome="approved") == before
