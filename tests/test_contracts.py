"""Every producer's example events against every consumer's stated expectations."""

from __future__ import annotations

import pytest

from mallbots.kernel.ddd.serde import from_data, to_data
from tests.contract_testing import example_modules, expectation_modules, problems

pytestmark = pytest.mark.contract

EXAMPLES = {event.event_name: event for module in example_modules() for event in module.EXAMPLES}
EXPECTATIONS = [
    (module.CONSUMER, name, fields)
    for module in expectation_modules()
    for name, fields in module.EXPECTATIONS.items()
]


@pytest.mark.parametrize("event", list(EXAMPLES.values()), ids=list(EXAMPLES))
def test_every_example_round_trips_through_its_wire_form(event):
    assert from_data(type(event), to_data(event)) == event


@pytest.mark.parametrize(
    ("consumer", "name", "fields"), EXPECTATIONS, ids=[f"{c}:{n}" for c, n, _ in EXPECTATIONS]
)
def test_the_producer_satisfies_what_each_consumer_reads(consumer, name, fields):
    assert name in EXAMPLES, f"{consumer} consumes {name}, but no producer has an example of it"
    assert problems(to_data(EXAMPLES[name]), fields) == []


def test_the_checker_catches_a_missing_field_and_a_wrong_type():
    payload = {"id": "p-1", "price": "9.99", "items": [{"quantity": 2}, {"quantity": "2"}]}
    assert problems(payload, {"id": "string", "price": "decimal", "items[].quantity": "integer"}) == [
        "items[].quantity should be integer, is '2'"
    ]
    assert problems(payload, {"name": "string", "price": "number"}) == [
        "missing field name",
        "price should be number, is '9.99'",
    ]
