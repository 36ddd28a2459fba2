"""Every integration event of apps/stores/contracts.py has an example in contract_examples.py,
so every consumer's expectations are checked against it (tests/test_contracts.py)."""

from __future__ import annotations

import inspect

import pytest

from apps.stores import contracts
from mallbots.kernel.messaging.api import IntegrationEvent
from tests.stores.contract_examples import EXAMPLES

pytestmark = pytest.mark.contract


def published_events() -> set[str]:
    return {
        cls.event_name
        for _, cls in inspect.getmembers(contracts, inspect.isclass)
        if issubclass(cls, IntegrationEvent) and cls is not IntegrationEvent
    }


def test_every_published_event_has_exactly_one_example():
    assert sorted(e.event_name for e in EXAMPLES) == sorted(published_events())
    assert len(published_events()) == 8


def test_every_event_is_partitioned_by_the_aggregate_id():
    assert {e.event_name: e.partition_key() for e in EXAMPLES} == {e.event_name: e.id for e in EXAMPLES}
    assert all(e.event_producer == "stores" and e.event_version == 1 for e in EXAMPLES)
