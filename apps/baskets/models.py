"""Read model of baskets (a projection of the event store) and the caches of the stores
context's data that adding an item needs."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Basket(models.Model):
    """Projection of the `baskets.Basket` stream (signals.BasketProjection): what the API and
    the admin show. Never written to except by the projection."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        CHECKED_OUT = "checked_out", "checked out"
        CANCELED = "canceled", "canceled"

    id = models.CharField(primary_key=True, max_length=64)
    customer_id = models.CharField(max_length=64)
    payment_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices)
    # [{"store_id", "product_id", "store_name", "product_name", "price": "9.99", "quantity"}],
    # in the order the products were first added.
    items = models.JSONField(default=list)
    version = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["customer_id"], name="baskets_basket_customer"),
            models.Index(fields=["status", "updated_at"], name="baskets_basket_status"),
        ]

    def __str__(self) -> str:
        return f"basket {self.id} ({self.status})"


# --- Caches of the stores context, fed by its integration events --------------------------
#
# The kernel keeps messages in order per handler and aggregate, but each event type has its own
# handler, so a product's rebrand may be handled before its ProductAdded, or two price changes
# by two handlers in either order. Every field therefore remembers the outbox position of the
# event that last set it, and an older event never overwrites a newer one. A row can exist
# before it is complete (a price change handled before ProductAdded); it serves lookups only
# once it is complete.


class StoreCache(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField(blank=True, default="")
    # None until StoreCreated or a fallback to the stores context filled the row in.
    location = models.TextField(null=True)  # noqa: DJ001 - None means "not known yet", unlike ""
    name_position = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "store cache entry"
        verbose_name_plural = "store cache"

    def __str__(self) -> str:
        return self.name or self.id

    @property
    def is_complete(self) -> bool:
        return self.location is not None

    def rename(self, name: str, position: int) -> None:
        if position > self.name_position:
            self.name, self.name_position = name, position


class ProductCache(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    # None until ProductAdded or a fallback to the stores context filled the row in.
    store_id = models.CharField(max_length=64, null=True)  # noqa: DJ001 - None means "not known yet"
    name = models.TextField(blank=True, default="")
    price = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    name_position = models.PositiveBigIntegerField(default=0)
    price_position = models.PositiveBigIntegerField(default=0)
    # Removal is final: the row stays as a tombstone, so a late ProductAdded cannot bring it back.
    removed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "product cache entry"
        verbose_name_plural = "product cache"

    def __str__(self) -> str:
        return self.name or self.id

    @property
    def is_complete(self) -> bool:
        return self.store_id is not None and self.price is not None and not self.removed

    def rename(self, name: str, position: int) -> None:
        if position > self.name_position:
            self.name, self.name_position = name, position

    def reprice(self, price: Decimal, position: int) -> None:
        if position > self.price_position:
            self.price, self.price_position = price, position
