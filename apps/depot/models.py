"""Tables of the depot context: the state of its two aggregates (state-stored, written only by
the repositories in services), and what it keeps of other contexts' data — the orders it shops
for and caches of stores and products, fed by their integration events."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .domain import BotStatus, ShoppingListStatus


class ShoppingList(models.Model):
    """The ShoppingList aggregate's row. `stops` holds the plan:
    [{"store_id", "store_name", "store_location", "items": [{"product_id", "product_name",
    "quantity"}]}], in the order the bot walks it."""

    class Status(models.TextChoices):
        PENDING = ShoppingListStatus.PENDING.value, "pending"
        AVAILABLE = ShoppingListStatus.AVAILABLE.value, "available"
        ASSIGNED = ShoppingListStatus.ASSIGNED.value, "assigned"
        ACTIVE = ShoppingListStatus.ACTIVE.value, "active"
        COMPLETED = ShoppingListStatus.COMPLETED.value, "completed"
        CANCELED = ShoppingListStatus.CANCELED.value, "canceled"

    id = models.CharField(primary_key=True, max_length=64)
    order_id = models.CharField(max_length=64, unique=True)  # one list per order
    status = models.CharField(max_length=20, choices=Status.choices)
    assigned_bot_id = models.CharField(max_length=64, blank=True, default="")
    stops = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        # Serves the lists of one status oldest first, e.g. the available ones bots take.
        indexes = [models.Index(fields=["status", "created_at"], name="depot_list_status")]

    def __str__(self) -> str:
        return f"shopping list {self.id} ({self.status})"


class Bot(models.Model):
    """The Bot aggregate's row. `shopping_list_id` is the list an active bot walks."""

    class Status(models.TextChoices):
        IDLE = BotStatus.IDLE.value, "idle"
        ACTIVE = BotStatus.ACTIVE.value, "active"

    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IDLE)
    shopping_list_id = models.CharField(max_length=64, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "name"], name="depot_bot_status")]

    def __str__(self) -> str:
        return self.name


# --- What the depot keeps of other contexts ---------------------------------------------------


class OrderCopy(models.Model):
    """The items of an order, from ordersapi.OrderCreated: the shopping list is built from them
    once the customer is authorized. `status` follows the order as far as the depot cares: a
    rejected or canceled order gets no shopping list any more."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        REJECTED = "rejected", "rejected"
        CANCELED = "canceled", "canceled"

    order_id = models.CharField(primary_key=True, max_length=64)
    # [{"product_id", "store_id", "product_name", "store_name", "quantity"}], as ordered.
    items = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # Its create-order saga is orchestrated (ordersapi.OrderCreated `saga`): the saga's commands,
    # not the choreography's events, make its list.
    orchestrated = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)  # counts the saves that changed the row
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "order copy"
        verbose_name_plural = "order copies"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.status})"


# The handlers of each cache share an order group (apps.py), so one store's or one product's
# events are applied in the order the stores context published them. A row may also come from
# a fallback to the stores context (services.py).


class StoreCache(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField()
    location = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "store cache entry"
        verbose_name_plural = "store cache"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ProductCache(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    store_id = models.CharField(max_length=64)
    name = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "product cache entry"
        verbose_name_plural = "product cache"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
