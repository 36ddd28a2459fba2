"""`manage.py seed_mall` on real PostgreSQL: the demo mall is made through the contexts'
services (their read models, rows and outbox show it), once; reruns create nothing."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.customers.models import Customer
from apps.depot.models import Bot
from apps.payments.models import Payment
from apps.stores.models import Product, Store
from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging.models import StreamMessage
from mallbots.tools.simulator.models import SeedRecord

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# The first five demo stores have 5 + 6 + 8 + 4 + 5 products.
STORES, PRODUCTS, CUSTOMERS, PAYMENTS, BOTS = 5, 28, 10, 10, 3
ENTITIES = STORES + PRODUCTS + CUSTOMERS + PAYMENTS + BOTS


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_mall", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "stores": Store.objects.count(),
        "participating": Store.objects.filter(participating=True).count(),
        "products": Product.objects.count(),
        "customers": Customer.objects.count(),
        "payments": Payment.objects.count(),
        "bots": Bot.objects.count(),
        "records": SeedRecord.objects.count(),
        "events": Event.objects.count(),
        "outbox": StreamMessage.objects.count(),
    }


def record_id(key: str) -> str:
    return SeedRecord.objects.get(key=key).entity_id


def test_seed_mall_creates_the_demo_mall_through_the_services():
    # when
    out = seed()
    # then every entity exists in its context, once
    after = counts()
    assert {k: v for k, v in after.items() if k not in ("events", "outbox")} == {
        "stores": STORES,
        "participating": STORES,
        "products": PRODUCTS,
        "customers": CUSTOMERS,
        "payments": PAYMENTS,
        "bots": BOTS,
        "records": ENTITIES,
    }
    # and the services told the other contexts (event-sourced streams, outbox messages)
    assert after["events"] > 0
    assert StreamMessage.objects.filter(name="storesapi.StoreCreated").count() == STORES
    assert StreamMessage.objects.filter(name="storesapi.ProductAdded").count() == PRODUCTS
    assert StreamMessage.objects.filter(name="customersapi.CustomerRegistered").count() == CUSTOMERS
    # and the records point at the entities made
    store = Store.objects.get(id=record_id("store:Nic & Naks"))
    assert (store.name, store.location, store.participating) == (
        "Nic & Naks",
        "Level 1, by the fountain",
        True,
    )
    wizard = Product.objects.get(id=record_id("product:Nic & Naks:Wizard w/ crystal"))
    assert (wizard.store_id, wizard.sku, wizard.price) == (store.id, "NN-WIZ-001", Decimal("24.99"))
    ada = Customer.objects.get(id=record_id("customer:Ada Lovelace"))
    assert (ada.name, ada.sms_number, ada.enabled) == ("Ada Lovelace", "555-010-0001", True)
    payment = Payment.objects.get(id=record_id("payment:Ada Lovelace"))
    assert (payment.customer_id, payment.amount) == (str(ada.id), Decimal("500.00"))
    assert sorted(Bot.objects.values_list("name", "status")) == [
        ("Robo-1", "idle"),
        ("Robo-2", "idle"),
        ("Robo-3", "idle"),
    ]
    # and the summary says what was made
    for line in (
        "stores: created 5, already there 0",
        "products: created 28, already there 0",
        "customers: created 10, already there 0",
        "payments: created 10, already there 0",
        "bots: created 3, already there 0",
        f"Total: created {ENTITIES}, already there 0",
    ):
        assert line in out
    assert f"Nic & Naks     Level 1, by the fountain         {store.id}  created" in out
    assert f"Robo-1  {record_id('bot:Robo-1')}  created" in out


def test_a_second_run_creates_nothing_and_says_so():
    # given
    seed()
    before = counts()
    ids = dict(SeedRecord.objects.values_list("key", "entity_id"))
    # when
    out = seed()
    # then nothing was created: no row, no event, no message
    assert counts() == before
    assert dict(SeedRecord.objects.values_list("key", "entity_id")) == ids
    for line in (
        "stores: created 0, already there 5",
        "products: created 0, already there 28",
        "customers: created 0, already there 10",
        "payments: created 0, already there 10",
        "bots: created 0, already there 3",
        f"Total: created 0, already there {ENTITIES}",
        "Nothing to create: the demo mall is already there.",
    ):
        assert line in out
    assert f"Ada Lovelace       555-010-0001  {ids['customer:Ada Lovelace']}  already there" in out
    assert " created\n" not in out


def test_a_bigger_mall_adds_only_what_is_missing():
    # given
    seed("--stores", "2", "--customers", "3")
    assert (Store.objects.count(), Product.objects.count(), Customer.objects.count()) == (2, 11, 3)
    # when
    out = seed()
    # then
    assert (Store.objects.count(), Product.objects.count(), Customer.objects.count()) == (5, 28, 10)
    assert (Payment.objects.count(), Bot.objects.count(), SeedRecord.objects.count()) == (10, 3, ENTITIES)
    assert "stores: created 3, already there 2" in out
    assert "products: created 17, already there 11" in out
    assert "customers: created 7, already there 3" in out
    assert "bots: created 0, already there 3" in out
    assert f"Total: created {ENTITIES - 22}, already there 22" in out


def test_counts_beyond_the_demo_lists_are_refused_before_anything_is_created():
    # when
    with pytest.raises(CommandError, match="--stores must be between 0 and 8"):
        seed("--stores", "9")
    # then
    assert counts() == {k: 0 for k in counts()}
