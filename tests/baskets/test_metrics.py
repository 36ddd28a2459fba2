"""baskets_started_total and baskets_checked_out_total move when baskets commit."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY

from tests.baskets.factories import BasketFactory, CachedProductFactory

pytestmark = pytest.mark.integration


def sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


@pytest.mark.django_db
def test_started_and_checked_out_baskets_are_counted(settings, django_capture_on_commit_callbacks):
    # given
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    product = CachedProductFactory()
    before = (sample("baskets_started_total"), sample("baskets_checked_out_total"))
    # when two baskets start and one of them is checked out
    with django_capture_on_commit_callbacks(execute=True):
        BasketFactory(items=[(product, 1)])
        BasketFactory(items=[(product, 2)], payment_id=str(uuid.uuid4()))
    # then
    after = (sample("baskets_started_total"), sample("baskets_checked_out_total"))
    assert (after[0] - before[0], after[1] - before[1]) == (2.0, 1.0)
