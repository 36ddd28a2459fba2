"""`seed_mall`: the demo mall of `demo.py`, created through the contexts' services (so every
event, read model, cache and outbox message is the same as for an entity made through the API
or the admin), once. Each entity is remembered in a SeedRecord under a stable key, in the same
transaction that creates it: a run finds what an earlier run made, and a crash never leaves an
entity without its record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, transaction

from apps.customers import services as customers
from apps.depot import services as depot
from apps.payments import services as payments
from apps.stores import services as stores

from . import demo, selectors
from .models import SeedRecord


@dataclass(frozen=True)
class Seeded:
    """One entity of the demo mall: its key, id, whether this run created it, and what a
    person reads in the summary (`cells`, under the kind's `columns`)."""

    key: str
    entity_id: str
    created: bool
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    title: str
    columns: tuple[str, ...]
    entities: list[Seeded] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(entity.created for entity in self.entities)

    @property
    def existing(self) -> int:
        return len(self.entities) - self.created


@dataclass(frozen=True)
class SeedResult:
    stores: Kind = field(default_factory=lambda: Kind("stores", ("NAME", "LOCATION")))
    products: Kind = field(default_factory=lambda: Kind("products", ("STORE", "NAME", "SKU", "PRICE")))
    customers: Kind = field(default_factory=lambda: Kind("customers", ("NAME", "SMS NUMBER")))
    payments: Kind = field(default_factory=lambda: Kind("payments", ("CUSTOMER", "AMOUNT")))
    bots: Kind = field(default_factory=lambda: Kind("bots", ("NAME",)))

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return (self.stores, self.products, self.customers, self.payments, self.bots)

    @property
    def created(self) -> int:
        return sum(kind.created for kind in self.kinds)

    @property
    def existing(self) -> int:
        return sum(kind.existing for kind in self.kinds)


def seed_mall(*, stores: int = demo.DEFAULT_STORES, customers: int = demo.DEFAULT_CUSTOMERS) -> SeedResult:
    """Creates what is missing of the first `stores` demo stores (participating, with their
    products), the first `customers` demo customers (each with an authorized payment) and the
    demo bots; finds the rest. Raises ValueError for counts outside the demo lists."""
    _check_count("stores", stores, len(demo.STORES))
    _check_count("customers", customers, len(demo.CUSTOMERS))
    result = SeedResult()
    for store in demo.STORES[:stores]:
        _seed_store(result, store)
    for customer in demo.CUSTOMERS[:customers]:
        _seed_customer(result, customer)
    for name in demo.BOTS:
        bot_id, created = _ensure(demo.bot_key(name), partial(depot.bot_create, name=name))
        result.bots.entities.append(Seeded(demo.bot_key(name), bot_id, created, (name,)))
    return result


def _check_count(what: str, count: int, available: int) -> None:
    if not 0 <= count <= available:
        raise ValueError(f"--{what} must be between 0 and {available} (the demo mall has {available})")


def _seed_store(result: SeedResult, store: demo.DemoStore) -> None:
    def create() -> str:
        store_id = stores.store_create(name=store.name, location=store.location)
        stores.store_enable_participation(store_id=store_id)
        return store_id

    store_id, created = _ensure(demo.store_key(store), create)
    result.stores.entities.append(
        Seeded(demo.store_key(store), store_id, created, (store.name, store.location))
    )
    for product in store.products:
        key = demo.product_key(store, product)
        create_product = partial(
            stores.product_add,
            store_id=store_id,
            name=product.name,
            description=product.description,
            sku=product.sku,
            price=product.price,
        )
        product_id, created = _ensure(key, create_product)
        cells = (store.name, product.name, product.sku, f"{product.price:.2f}")
        result.products.entities.append(Seeded(key, product_id, created, cells))


def _seed_customer(result: SeedResult, customer: demo.DemoCustomer) -> None:
    key = demo.customer_key(customer)
    register = partial(customers.customer_register, name=customer.name, sms_number=customer.sms_number)
    customer_id, created = _ensure(key, register)
    result.customers.entities.append(Seeded(key, customer_id, created, (customer.name, customer.sms_number)))
    key = demo.payment_key(customer)
    authorize = partial(payments.payment_authorize, customer_id=customer_id, amount=demo.PAYMENT_AMOUNT)
    payment_id, created = _ensure(key, authorize)
    result.payments.entities.append(
        Seeded(key, payment_id, created, (customer.name, f"{demo.PAYMENT_AMOUNT:.2f}"))
    )


def _ensure(key: str, create: Callable[[], str]) -> tuple[str, bool]:
    """The id recorded under `key`, or the id of a new entity made by `create()` and recorded
    under `key` in one transaction. Second element: whether it was created now."""
    record = selectors.seed_record_find(key=key)
    if record is not None:
        return record.entity_id, False
    try:
        with transaction.atomic():
            entity_id = create()
            SeedRecord.objects.create(key=key, entity_id=entity_id)
    except IntegrityError:
        # A concurrent run recorded the key first: its entity stands, ours was rolled back.
        record = selectors.seed_record_find(key=key)
        if record is None:
            raise
        return record.entity_id, False
    return entity_id, True
