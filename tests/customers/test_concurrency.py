"""Concurrent commands on one customer: the row lock taken by the repository makes them run
one after the other, each deciding on the state the previous one committed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection, connections

from apps.customers import services
from apps.customers.domain import CustomerDisabled
from apps.customers.models import Customer
from mallbots.kernel.ddd import DomainError
from mallbots.kernel.messaging.models import StreamMessage
from mallbots.kernel.uow import Recorded, domain_event
from tests.conftest import wait_until
from tests.customers.factories import CustomerFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def run_in_thread(fn: Callable[[], None], outcomes: list[str]) -> threading.Thread:
    def target() -> None:
        try:
            fn()
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.fixture
def first_disable_waits() -> Iterator[tuple[threading.Event, threading.Event]]:
    """Holds the first disabling transaction open, after its update and before its commit,
    until the test releases it."""
    inside, release = threading.Event(), threading.Event()

    def hold(sender: type, record: Recorded, **kwargs: object) -> None:
        if not inside.is_set():
            inside.set()
            release.wait(10)

    domain_event.connect(hold, sender=CustomerDisabled, weak=False, dispatch_uid="tests.customers.hold")
    yield inside, release
    release.set()
    domain_event.disconnect(sender=CustomerDisabled, dispatch_uid="tests.customers.hold")


def a_transaction_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def test_a_second_disable_waits_for_the_first_and_then_finds_it_disabled(first_disable_waits):
    # given a first disable holding the customer's row
    inside, release = first_disable_waits
    customer_id = str(CustomerFactory().pk)
    first: list[str] = []
    second: list[str] = []
    first_thread = run_in_thread(lambda: services.customer_disable(customer_id=customer_id), first)
    assert inside.wait(10)
    # when a second disable starts meanwhile
    second_thread = run_in_thread(lambda: services.customer_disable(customer_id=customer_id), second)
    # then it waits for the row ...
    wait_until(a_transaction_waits_for_a_lock)
    assert (first, second) == ([], [])
    release.set()
    first_thread.join(10)
    second_thread.join(10)
    # ... and once the first committed, it sees the customer disabled
    assert (first, second) == (["ok"], ["the customer is already disabled"])
    customer = Customer.objects.get(pk=customer_id)
    assert (customer.enabled, customer.version) == (False, 2)
    assert list(
        StreamMessage.objects.filter(partition_key=customer_id)
        .order_by("position")
        .values_list("name", flat=True)
    ) == ["customersapi.CustomerRegistered", "customersapi.CustomerDisabled"]


def test_of_many_concurrent_disables_exactly_one_succeeds():
    # given
    customer_id = str(CustomerFactory().pk)
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def disable() -> None:
        start.wait(10)
        services.customer_disable(customer_id=customer_id)

    # when
    threads = [run_in_thread(disable, outcomes) for _ in range(8)]
    for thread in threads:
        thread.join(20)
    # then
    assert sorted(outcomes) == ["ok"] + ["the customer is already disabled"] * 7
    customer = Customer.objects.get(pk=customer_id)
    assert (customer.enabled, customer.version) == (False, 2)
    assert StreamMessage.objects.filter(name="customersapi.CustomerDisabled").count() == 1


def test_concurrent_enables_and_disables_publish_a_history_that_alternates():
    # given an enabled customer, and as many enables as disables racing on it
    customer_id = str(CustomerFactory().pk)
    commands = [services.customer_disable, services.customer_enable] * 6
    start = threading.Barrier(len(commands))
    outcomes: list[str] = []

    def run(command: Callable[..., None]) -> Callable[[], None]:
        def go() -> None:
            start.wait(10)
            command(customer_id=customer_id)

        return go

    # when
    threads = [run_in_thread(run(command), outcomes) for command in commands]
    for thread in threads:
        thread.join(20)
    # then every success flipped the state the previous one left: disabled, enabled, ...
    history = list(
        StreamMessage.objects.filter(partition_key=customer_id)
        .exclude(name="customersapi.CustomerRegistered")
        .order_by("position")
        .values_list("name", flat=True)
    )
    assert history == ["customersapi.CustomerDisabled", "customersapi.CustomerEnabled"] * (
        len(history) // 2
    ) + (["customersapi.CustomerDisabled"] if len(history) % 2 else [])
    assert outcomes.count("ok") == len(history) >= 1
    assert set(outcomes) - {"ok"} <= {"the customer is already disabled", "the customer is already enabled"}
    customer = Customer.objects.get(pk=customer_id)
    assert (customer.enabled, customer.version) == (len(history) % 2 == 0, 1 + len(history))
