"""Read model of baskets (a projection of the event store) and the caches of the stores
context's data that adding an item needs."""

from __future__ import annotations

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
    # Why the order made from this basket was rejected by the create-order saga, if it was.
    checkout_rejection = models.TextField(blank=True, default="")
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
# The handlers of each cache share an order group, so one store's or one product's events are
# applied in the order the stores context published them: a row holds what the latest handled
# event says. A row may also come from a fallback to the stores context (services.py).


class StoreCache(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField()
    location = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "store cache entry"
        verbose_name_plural = "store cache"

    def __str__(self) -> str:
        return self.name


class ProductCache(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    store_id = models.CharField(max_length=64)
    name = models.TextField()
    price = models.DecimalField(max_digits=9, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "product cache entry"
        verbose_name_plural = "product cache"

    def __str__(self) -> str:
        return self.name
