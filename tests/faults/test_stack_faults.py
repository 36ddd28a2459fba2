"""Faults against a whole MallBots of the test's own (tests/faults/stack.py), driven over HTTP
as kiosks would: PostgreSQL restarted while orders are in flight, and the broker stopped for a
while as the API keeps taking orders. Every order ends as it would have without the fault, with
one shopping list, one invoice and one SMS of each kind, search right, nothing left unhandled,
and the API never answered 500."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import wait_until
from tests.faults.stack import Shop, Stack
from tests.private_postgres import PrivatePostgres

pytestmark = [pytest.mark.fault, pytest.mark.e2e]

RECOVERY_BOUND_SECONDS = 90  # after the fault is over, on a loaded 2-core machine


@pytest.fixture
def stack(own_redis, tmp_path) -> Iterator[Stack]:
    postgres = PrivatePostgres()
    postgres.start()
    stack = Stack(postgres, own_redis.url, tmp_path)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        postgres.remove()


def test_a_postgresql_restart_with_orders_in_flight_changes_no_outcome(stack):
    # given orders whose sagas are under way
    shop = Shop(stack)
    shop.place(8)
    # when PostgreSQL stops for five seconds, kiosks asking meanwhile, and comes back
    stack.postgres.stop()
    stopped = time.monotonic()
    answers = set()
    while time.monotonic() - stopped < 5:
        refused = stack.session.get(f"{stack.url}/api/ordering/{next(iter(shop.expected))}", timeout=15)
        answers.add((refused.status_code, refused.json()["code"], bool(refused.headers.get("Retry-After"))))
        time.sleep(0.2)  # a kiosk's pause between two tries
    stack.postgres.start()
    back = time.monotonic()
    # then the API said "unavailable, retry later" each time, and every order ends as it would have
    assert answers == {(503, 14, True)}
    wait_until(shop.outcomes_reached, timeout=RECOVERY_BOUND_SECONDS)
    print(
        f"down {back - stopped:.1f} s; every outcome reached {time.monotonic() - back:.1f} s after it was back"
    )
    shop.finish()
    shop.assert_final_state()


def test_the_api_keeps_taking_orders_while_the_broker_is_down(stack, own_redis):
    # given a mall, then the broker stops
    shop = Shop(stack)
    shop.place(3)
    own_redis.stop()
    # when kiosks keep checking out baskets through the API
    started = time.monotonic()
    during = shop.place(5)
    took = time.monotonic() - started
    # then every call succeeded while it was down (the deliveries wait in PostgreSQL) ...
    assert all(stack.order_status(order) in (None, "pending") for order in during)
    # ... and once it is back every saga goes on and ends as it would have
    own_redis.start()
    back = time.monotonic()
    wait_until(shop.outcomes_reached, timeout=RECOVERY_BOUND_SECONDS)
    print(
        f"5 checkouts in {took:.1f} s with the broker down; outcomes {time.monotonic() - back:.1f} s after it was back"
    )
    shop.finish()
    shop.assert_final_state()
