"""Every producer's example messages (events, commands, replies) against every consumer's stated
expectations."""

from __future__ import annotations

from typing import Any

import pytest

from mallbots.kernel.ddd.serde import from_data, to_data
from mallbots.kernel.messaging.commands import commands, declared_replies, replies
from mallbots.kernel.messaging.events import integration_events
from mallbots.kernel.messaging.registry import all_subscriptions
from tests.contract_testing import example_modules, expectation_modules, problems

pytestmark = pytest.mark.contract


def _name(message: Any) -> str:
    """An event's or a command's name, or a reply's (replies are named in their metadata)."""
    return getattr(message, "reply_name", None) or message.event_name


EXAMPLES = {_name(message): message for module in example_modules() for message in module.EXAMPLES}
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


def _reply_channel(sub: Any) -> bool:
    return sub.decode is not None and sub.event_name not in commands.names()


def test_every_consumer_states_expectations_for_exactly_the_messages_it_handles():
    # given what each context subscribes to (its sagas' reply channels aside: they carry replies)
    reply_names = {answer.reply_name for answer in declared_replies()}
    for module in expectation_modules():
        handled = {
            sub.event_name
            for sub in all_subscriptions()
            if sub.name.startswith(f"{module.CONSUMER}.") and not _reply_channel(sub)
        }
        # then its expectations name exactly those, and replies
        assert set(module.EXPECTATIONS) - reply_names == handled, module.CONSUMER


def test_every_message_of_the_application_has_an_example():
    # the contexts' messages and the kernel's replies; not those of the test contexts or of the
    # benchmarks, which other tests may have registered in this process
    application = {
        name
        for registry in (integration_events, commands, replies)
        for name in registry.names()
        if registry.get(name).__module__.startswith(("apps.", "mallbots.kernel."))
    }
    assert {"ordersapi.OrderCreated", "customersapi.AuthorizeCustomer", "am.Failure"} <= application
    assert application - set(EXAMPLES) == set()
