"""The depot's consumers through the real consuming path (inbox, order groups), fed with the
events other contexts publish, built from their contracts: the saga steps and compensations
in the order group `depot.orders`, duplicates and reordering, and the stores caches."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import transaction

from apps.customers import contracts as customers
from apps.depot import services
from apps.depot.models import OrderCopy, ProductCache, ShoppingList, StoreCache
from apps.ordering import contracts as ordering
from apps.payments import contracts as payments
from apps.stores import contracts as stores
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging import consumer
from mallbots.kernel.messaging.api import IntegrationEvent, publish
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, StreamMessage
from tests.depot.factories import BotFactory, CachedProductFactory, new_id
from tests.depot.helpers import bot_state, list_state, published
from tests.kernel.messaging.helpers import deliveries_of, fanned_out

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ORDER_HANDLERS = {
    "ordersapi.OrderCreated": "depot.on_ordering_order_created",
    "customersapi.CustomerAuthorized": "depot.on_customers_customer_authorized",
    "paymentsapi.PaymentConfirmed": "depot.on_payments_payment_confirmed",
    "ordersapi.OrderRejected": "depot.on_ordering_order_rejected",
    "ordersapi.OrderCanceled": "depot.on_ordering_order_canceled",
}
CACHE_HANDLERS = {
    "storesapi.StoreCreated": ("depot.on_stores_store_created", "depot.stores"),
    "storesapi.StoreRebranded": ("depot.on_stores_store_rebranded", "depot.stores"),
    "storesapi.ProductAdded": ("depot.on_stores_product_added", "depot.products"),
    "storesapi.ProductRebranded": ("depot.on_stores_product_rebranded", "depot.products"),
    "storesapi.ProductRemoved": ("depot.on_stores_product_removed", "depot.products"),
}


# --- The other contexts' side, as their contracts say -------------------------------------------


def publish_each(*events: IntegrationEvent, correlation_id: str | None = None) -> None:
    """As the producers publish them: one command (transaction) per event, under the order's id."""
    for event in events:
        with message_context.use(correlation_id=correlation_id), transaction.atomic():
            publish(event)


def order_created(order_id: str, *items: tuple[ProductCache, int], names: dict | None = None):
    return ordering.OrderCreated(
        id=order_id,
        customer_id="customer-1",
        payment_id="payment-1",
        shopping_id="",
        total=Decimal("10.00"),
        items=tuple(
            ordering.OrderItem(
                product_id=product.id,
                store_id=product.store_id,
                product_name=(names or {}).get(product.id, product.name),
                store_name="A store",
                price=Decimal("5.00"),
                quantity=quantity,
            )
            for product, quantity in items
        ),
    )


def authorized(order_id: str) -> customers.CustomerAuthorized:
    return customers.CustomerAuthorized(id="customer-1", order_id=order_id)


def confirmed(order_id: str) -> payments.PaymentConfirmed:
    return payments.PaymentConfirmed(id="payment-1", order_id=order_id, amount=Decimal("10.00"))


def rejected(order_id: str) -> ordering.OrderRejected:
    return ordering.OrderRejected(
        id=order_id, customer_id="customer-1", payment_id="payment-1", reason="the payment was not found"
    )


def canceled(order_id: str) -> ordering.OrderCanceled:
    return ordering.OrderCanceled(
        id=order_id, customer_id="customer-1", payment_id="payment-1", shopping_id=""
    )


def saga_events(order_id: str, product: ProductCache) -> list[IntegrationEvent]:
    return [order_created(order_id, (product, 2)), authorized(order_id), confirmed(order_id)]


# --- Delivering ---------------------------------------------------------------------------------


def depot_deliveries(
    key: str | None = None, producer: str | None = None
) -> list[tuple[str, dict, int | None]]:
    """(handler, envelope, seq) of every delivery to a depot handler, in publication order."""
    rows = StreamMessage.objects.exclude(producer="depot").order_by("position")
    if key is not None:
        rows = rows.filter(partition_key=key)
    if producer is not None:
        rows = rows.filter(producer=producer)
    return [d for row in rows for d in deliveries_of(row) if d[0].startswith("depot.")]


def deliver(deliveries) -> list[Outcome]:
    return [consumer.process(handler, envelope, seq) for handler, envelope, seq in deliveries]


def drain_held() -> None:
    """What the wake-ups and the retry sweep do, without waiting for backoffs."""
    for _ in range(100):
        held = list(FailedDelivery.objects.filter(status__in=["held", "retrying"]))
        if not held:
            return
        for row in held:
            consumer.process(row.handler, row.envelope(), row.seq, row.attempts + 1)
    raise AssertionError("held deliveries never drained")


def list_of(order_id: str) -> ShoppingList:
    return ShoppingList.objects.get(order_id=order_id)


# --- Subscriptions ------------------------------------------------------------------------------


def test_the_order_handlers_share_the_order_group_keyed_by_order_id():
    # given
    order_id = new_id()
    product = CachedProductFactory()
    # when
    publish_each(
        order_created(order_id, (product, 1)),
        authorized(order_id),
        confirmed(order_id),
        rejected(order_id),
        canceled(order_id),
        correlation_id=order_id,
    )
    # then
    rows = StreamMessage.objects.filter(partition_key=order_id).order_by("position")
    assert [[d for d in fanned_out(row) if d["handler"].startswith("depot.")] for row in rows] == [
        [{"handler": ORDER_HANDLERS[row.name], "queue": "depot", "sequence": "depot.orders", "seq": seq}]
        for seq, row in enumerate(rows, start=1)
    ]


def test_the_cache_handlers_follow_one_group_per_store_and_per_product():
    # given
    store_id, product_id = new_id(), new_id()
    # when
    publish_each(
        stores.StoreCreated(id=store_id, name="Threads", location="Level 1"),
        stores.StoreRebranded(id=store_id, name="Threads & Co"),
        stores.ProductAdded(
            id=product_id, store_id=store_id, name="Shirt", description="", sku="S1", price=Decimal("9.99")
        ),
        stores.ProductRebranded(id=product_id, name="Blue shirt", description=""),
        stores.ProductPriceIncreased(id=product_id, delta=Decimal("1.00"), price=Decimal("10.99")),
        stores.ProductRemoved(id=product_id),
    )
    # then
    rows = StreamMessage.objects.filter(producer="stores").order_by("position")
    assert [[d for d in fanned_out(row) if d["handler"].startswith("depot.")] for row in rows] == [
        [
            {
                "handler": CACHE_HANDLERS[row.name][0],
                "queue": "depot",
                "sequence": CACHE_HANDLERS[row.name][1],
                "seq": seq,
            }
        ]
        if seq
        else []
        for row, seq in zip(rows, [1, 2, 1, 2, None, 3], strict=True)
    ]


# --- The saga -----------------------------------------------------------------------------------


def test_the_saga_creates_the_list_once_authorized_and_makes_it_available_once_paid():
    # given
    product = CachedProductFactory(name="Scarf")
    order_id = new_id()
    publish_each(*saga_events(order_id, product), correlation_id=order_id)
    copied, step_3, step_5 = depot_deliveries(order_id)
    # when / then: the order's items are kept, nothing else
    assert deliver([copied]) == [Outcome.HANDLED]
    assert OrderCopy.objects.get().items == [
        {"product_id": product.id, "store_id": product.store_id, "product_name": "Scarf", "quantity": 2}
    ]
    assert published(order_id) == []
    # when / then: step 3, the list
    assert deliver([step_3]) == [Outcome.HANDLED]
    shopping_list = list_of(order_id)
    assert (shopping_list.status, shopping_list.stops[0]["items"]) == (
        "pending",
        [{"product_id": product.id, "product_name": "Scarf", "quantity": 2}],
    )
    assert published(order_id) == [
        ("depotapi.ShoppingListCreated", {"id": shopping_list.id, "order_id": order_id})
    ]
    # when / then: step 5, available
    assert deliver([step_5]) == [Outcome.HANDLED]
    assert list_state(shopping_list.id)[0] == "available"
    assert published(order_id)[1:] == [
        ("depotapi.ShoppingListInitiated", {"id": shopping_list.id, "order_id": order_id})
    ]
    # and every message the depot published carries the order id and names its cause
    created, initiated = StreamMessage.objects.filter(producer="depot").order_by("position")
    assert (created.correlation_id, created.causation_id) == (order_id, step_3[1]["id"])
    assert (initiated.correlation_id, initiated.causation_id) == (order_id, step_5[1]["id"])


def test_customer_authorized_before_order_created_is_held_until_the_order_is_known():
    # given
    product = CachedProductFactory()
    order_id = new_id()
    publish_each(*saga_events(order_id, product)[:2], correlation_id=order_id)
    copied, step_3 = depot_deliveries(order_id)
    # when
    early = deliver([step_3])
    nothing_yet = ShoppingList.objects.exists()
    then = deliver([copied])
    drain_held()
    # then
    assert (early, nothing_yet, then) == ([Outcome.HELD], False, [Outcome.HANDLED])
    assert list_of(order_id).status == "pending"
    assert [name for name, _ in published(order_id)] == ["depotapi.ShoppingListCreated"]
    assert not FailedDelivery.objects.exists()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_order_message_twice_and_shuffled_takes_effect_once_in_order(seed):
    # given three orders through the whole depot part of the saga, a fourth rejected after its list
    product = CachedProductFactory()
    orders = [new_id() for _ in range(4)]
    for order_id in orders[:3]:
        publish_each(*saga_events(order_id, product), correlation_id=order_id)
    late = orders[3]
    publish_each(
        order_created(late, (product, 1)),
        authorized(late),
        rejected(late),
        confirmed(late),
        correlation_id=late,
    )
    deliveries = depot_deliveries()
    assert len(deliveries) == 13
    shuffled = deliveries * 2
    random.Random(seed).shuffle(shuffled)
    # when
    outcomes = deliver(shuffled)
    drain_held()
    # then
    assert Outcome.DUPLICATE in outcomes and Outcome.HELD in outcomes
    for order_id in orders[:3]:
        shopping_list = list_of(order_id)
        assert shopping_list.status == "available"
        assert published(order_id) == [
            ("depotapi.ShoppingListCreated", {"id": shopping_list.id, "order_id": order_id}),
            ("depotapi.ShoppingListInitiated", {"id": shopping_list.id, "order_id": order_id}),
        ]
    late_list = list_of(late)
    assert late_list.status == "canceled"
    assert [name for name, _ in published(late)] == [
        "depotapi.ShoppingListCreated",
        "depotapi.ShoppingListCanceled",
    ]
    assert Delivery.objects.filter(status="handled", handler__startswith="depot.").count() == 13
    assert not FailedDelivery.objects.exists()


def test_a_product_no_longer_sold_fails_the_step_with_the_reason_and_no_list():
    # given an order with a product the stores context removed since
    product = CachedProductFactory(name="Scarf")
    gone = CachedProductFactory(name="Old hat")
    order_id = new_id()
    publish_each(
        order_created(order_id, (product, 1), (gone, 1)), authorized(order_id), correlation_id=order_id
    )
    publish_each(stores.ProductRemoved(id=gone.id))
    deliver(depot_deliveries(producer="stores"))
    # when
    outcomes = deliver(depot_deliveries(order_id))
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED]
    assert not ShoppingList.objects.exists()
    assert published(order_id) == [
        (
            "depotapi.ShoppingListCreationFailed",
            {"order_id": order_id, "reason": "the product is no longer sold: Old hat"},
        )
    ]
    assert StreamMessage.objects.get(producer="depot").correlation_id == order_id
    assert not FailedDelivery.objects.exists()


def test_an_order_rejected_before_the_customer_is_authorized_gets_no_list():
    # given
    product = CachedProductFactory()
    order_id = new_id()
    publish_each(
        order_created(order_id, (product, 1)),
        rejected(order_id),
        authorized(order_id),
        correlation_id=order_id,
    )
    # when
    outcomes = deliver(depot_deliveries(order_id))
    # then
    assert outcomes == [Outcome.HANDLED] * 3
    assert not ShoppingList.objects.exists()
    assert OrderCopy.objects.get().status == "rejected"
    assert published(order_id) == []


def test_a_rejected_order_has_its_list_canceled_and_a_late_payment_confirmation_changes_nothing():
    # given
    product = CachedProductFactory()
    order_id = new_id()
    publish_each(
        order_created(order_id, (product, 1)),
        authorized(order_id),
        rejected(order_id),
        confirmed(order_id),
        correlation_id=order_id,
    )
    # when
    outcomes = deliver(depot_deliveries(order_id))
    # then
    assert outcomes == [Outcome.HANDLED] * 4
    shopping_list = list_of(order_id)
    assert shopping_list.status == "canceled"
    assert published(order_id) == [
        ("depotapi.ShoppingListCreated", {"id": shopping_list.id, "order_id": order_id}),
        ("depotapi.ShoppingListCanceled", {"id": shopping_list.id, "order_id": order_id}),
    ]


def test_a_canceled_order_has_its_assigned_list_canceled_and_its_bot_freed():
    # given an approved order whose list a bot took
    product = CachedProductFactory()
    bot = BotFactory()
    order_id = new_id()
    publish_each(*saga_events(order_id, product), correlation_id=order_id)
    deliver(depot_deliveries(order_id))
    shopping_list = list_of(order_id)
    services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=bot.id)
    publish_each(canceled(order_id), correlation_id=order_id)
    # when
    outcomes = deliver(depot_deliveries(order_id)[-1:])
    # then
    assert outcomes == [Outcome.HANDLED]
    assert list_state(shopping_list.id)[:2] == ("canceled", bot.id)
    assert bot_state(bot.id)[:2] == ("idle", "")
    assert published(order_id)[-1] == (
        "depotapi.ShoppingListCanceled",
        {"id": shopping_list.id, "order_id": order_id},
    )
    assert StreamMessage.objects.get(name="depotapi.ShoppingListCanceled").correlation_id == order_id


def test_a_completed_list_is_not_canceled_by_a_late_cancellation():
    # given
    product = CachedProductFactory()
    bot = BotFactory()
    order_id = new_id()
    publish_each(*saga_events(order_id, product), correlation_id=order_id)
    deliver(depot_deliveries(order_id))
    shopping_list = list_of(order_id)
    services.shopping_list_assign(shopping_list_id=shopping_list.id, bot_id=bot.id)
    services.shopping_list_complete(shopping_list_id=shopping_list.id)
    before = (list_state(shopping_list.id), bot_state(bot.id), published(order_id))
    publish_each(canceled(order_id), correlation_id=order_id)
    # when
    outcomes = deliver(depot_deliveries(order_id)[-1:])
    # then
    assert outcomes == [Outcome.HANDLED]
    assert (list_state(shopping_list.id), bot_state(bot.id), published(order_id)) == before


def test_customer_authorized_for_an_order_the_depot_never_received_is_a_dead_letter():
    # given
    order_id = new_id()
    publish_each(authorized(order_id), correlation_id=order_id)
    # when
    outcomes = deliver(depot_deliveries(order_id))
    # then
    assert outcomes == [Outcome.DEAD]
    dead = FailedDelivery.objects.get()
    assert (dead.handler, dead.status) == ("depot.on_customers_customer_authorized", "dead")
    assert "the order is not known to the depot" in dead.last_error
    assert not ShoppingList.objects.exists()


# --- The stores caches --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_stores_message_twice_and_shuffled_leaves_what_the_latest_events_say(seed):
    # given
    store, other = new_id(), new_id()
    shirt, mug, hat = new_id(), new_id(), new_id()

    def added(product_id: str, store_id: str, name: str) -> stores.ProductAdded:
        return stores.ProductAdded(
            id=product_id, store_id=store_id, name=name, description="", sku="", price=Decimal("1.00")
        )

    publish_each(
        stores.StoreCreated(id=store, name="Threads", location="Level 1"),
        stores.StoreCreated(id=other, name="Kitchen", location="Level 2"),
        added(shirt, store, "Shirt"),
        added(mug, other, "Mug"),
        stores.ProductRebranded(id=shirt, name="Blue shirt", description=""),
        stores.StoreRebranded(id=store, name="Threads & Co"),
        added(hat, store, "Hat"),
        stores.ProductRemoved(id=hat),
        stores.ProductRebranded(id=shirt, name="Navy shirt", description=""),
        stores.StoreRebranded(id=store, name="Threads Outlet"),
    )
    deliveries = depot_deliveries(producer="stores")
    assert len(deliveries) == 10
    shuffled = deliveries * 2
    random.Random(seed).shuffle(shuffled)
    # when
    outcomes = deliver(shuffled)
    drain_held()
    # then
    assert Outcome.DUPLICATE in outcomes
    assert sorted(StoreCache.objects.values_list("id", "name", "location")) == sorted(
        [(store, "Threads Outlet", "Level 1"), (other, "Kitchen", "Level 2")]
    )
    assert sorted(ProductCache.objects.values_list("id", "store_id", "name")) == sorted(
        [(shirt, store, "Navy shirt"), (mug, other, "Mug")]
    )
    assert not FailedDelivery.objects.exists()


def test_a_removal_delivered_before_its_product_added_waits_for_it_then_deletes_the_row():
    # given
    store, hat = new_id(), new_id()
    publish_each(
        stores.StoreCreated(id=store, name="Threads", location="Level 1"),
        stores.ProductAdded(
            id=hat, store_id=store, name="Hat", description="", sku="H1", price=Decimal("7.00")
        ),
        stores.ProductRemoved(id=hat),
    )
    created, added, removed = depot_deliveries(producer="stores")
    # when
    outcomes = deliver([created, removed, added])
    drain_held()
    # then
    assert outcomes == [Outcome.HANDLED, Outcome.HELD, Outcome.HANDLED]
    assert not ProductCache.objects.filter(id=hat).exists()
