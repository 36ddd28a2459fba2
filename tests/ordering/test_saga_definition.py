"""The orchestrated create-order saga's decisions, read from its definition alone (no database,
broker or worker): what it asks of each participant, with which data, and what it undoes, in
which order, when a step fails. The engine that runs it is tested in tests/kernel/sagas, the
saga against real workers in tests/saga."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from apps.customers import contracts as customers
from apps.depot import contracts as depot
from apps.ordering.saga import CreateOrderData, CreateOrderSaga
from apps.payments import contracts as payments

pytestmark = pytest.mark.unit

ITEMS = (
    depot.ShoppingItem(product_id="p1", store_id="s1", product_name="Wand", quantity=2),
    depot.ShoppingItem(product_id="p2", store_id="s2", product_name="Robe", quantity=1),
)
DATA = CreateOrderData(
    order_id="o1", customer_id="c1", payment_id="pay1", total=Decimal("49.97"), items=ITEMS
)
STEPS = CreateOrderSaga.steps


def forward(data: CreateOrderData) -> list[Any]:
    """The commands of the forward path, in order, the local steps named."""
    return [
        step.action(data) if step.action else f"local: {step.name}"
        for step in STEPS
        if step.action or step.local
    ]


def compensations_after_failing(step_name: str, data: CreateOrderData) -> list[Any]:
    """What the saga undoes when the named step fails: the steps before it, last first."""
    index = next(i for i, step in enumerate(STEPS) if step.name == step_name)
    undo = []
    for step in reversed(STEPS[:index]):
        if step.compensation:
            undo.append(step.compensation(data))
        elif step.local_compensation:
            undo.append(f"local: {step.name}")
    return undo


def test_the_forward_path_asks_each_participant_in_turn_then_approves_locally():
    # given / when / then
    assert forward(DATA) == [
        customers.AuthorizeCustomer(customer_id="c1", order_id="o1"),
        depot.CreateShoppingList(order_id="o1", items=ITEMS),
        payments.ConfirmPayment(order_id="o1", customer_id="c1", payment_id="pay1", amount=Decimal("49.97")),
        depot.InitiateShopping(order_id="o1"),
        "local: approve order",
    ]


def test_every_command_is_keyed_by_the_order_so_each_participant_sees_them_in_order():
    # given / when
    commands = [command for command in forward(DATA) if not isinstance(command, str)]
    # then
    assert {command.partition_by for command in commands} == {"order_id"}
    assert {command.order_id for command in commands} == {"o1"}


def test_the_shopping_lists_id_from_the_depots_reply_is_kept_for_the_approval():
    # given
    create_list = next(step for step in STEPS if step.name == "create shopping list")
    # when
    data = create_list.on_reply[depot.CreatedShoppingList](DATA, depot.CreatedShoppingList(id="list-1"))
    # then
    assert data == replace(DATA, shopping_id="list-1")


@pytest.mark.parametrize(
    ("failing", "undone"),
    [
        ("authorize customer", ["local: reject order"]),
        ("create shopping list", ["local: reject order"]),
        ("confirm payment", [depot.CancelShoppingList(order_id="o1"), "local: reject order"]),
        (
            "initiate shopping",
            [
                payments.ReleasePayment(order_id="o1"),
                depot.CancelShoppingList(order_id="o1"),
                "local: reject order",
            ],
        ),
        (
            "approve order",
            [
                payments.ReleasePayment(order_id="o1"),
                depot.CancelShoppingList(order_id="o1"),
                "local: reject order",
            ],
        ),
    ],
)
def test_a_failing_step_undoes_the_steps_before_it_last_first_and_rejects_the_order(failing, undone):
    # given / when / then: the table of docs/saga.md
    assert compensations_after_failing(failing, DATA) == undone


def test_a_timed_out_step_is_undone_too_since_its_command_may_still_take_effect():
    # given a confirmation nobody answered: the engine compensates from that step down
    confirm = next(i for i, step in enumerate(STEPS) if step.name == "confirm payment")
    # when / then
    assert compensations_after_failing(STEPS[confirm + 1].name, DATA)[0] == payments.ReleasePayment(
        order_id="o1"
    )


def test_a_step_that_never_answers_rejects_the_order_with_the_choreographys_reason():
    # given / when / then: a client cannot tell the modes apart
    assert {CreateOrderSaga.timeout_reason(step) for step in STEPS} == {"the order was not approved in time"}
