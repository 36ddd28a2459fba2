"""The search read model: one denormalised row per order, built from the ordering context's
integration events (event-carried state transfer), and a cache of customer names."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Func

from .domain import OrderStatus


class StatementTime(Func):
    """PostgreSQL's `statement_timestamp()`: one clock (the database's) for every write, and,
    unlike `now()`, one that moves on within a transaction."""

    template = "statement_timestamp()"
    output_field = models.DateTimeField()


class SearchOrder(models.Model):
    """An order as search shows it: customer name, items with product and store names, total
    and status. Written only by the services (handlers, rebuild); never edited by hand."""

    order_id = models.CharField(primary_key=True, max_length=64)
    customer_id = models.CharField(max_length=64)
    customer_name = models.TextField(blank=True, default="")
    # [{"productId", "storeId", "productName", "storeName", "price": "9.99", "quantity": 2}]
    items = models.JSONField(default=list)
    # Distinct ids of the items, for the "any of these" filters (GIN-indexed overlap).
    product_ids = ArrayField(models.CharField(max_length=64), default=list)
    store_ids = ArrayField(models.CharField(max_length=64), default=list)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20, choices=[(status.value, status.value) for status in OrderStatus])
    # When the order was created (OrderCreated's occurred-at): the search results' order.
    created_at = models.DateTimeField()
    # When the row was last written, on the database's clock. A rebuild leaves alone a row
    # written after it began reading the ordering context: that write may be the newer one.
    updated_at = models.DateTimeField(db_default=StatementTime())

    class Meta:
        verbose_name = "searchable order"
        verbose_name_plural = "order search"
        ordering = ["-created_at", "-order_id"]
        indexes = [
            models.Index(fields=["created_at", "order_id"], name="search_order_created"),
            models.Index(fields=["customer_id"], name="search_order_customer"),
            models.Index(fields=["status"], name="search_order_status"),
            GinIndex(fields=["product_ids"], name="search_order_products"),
            GinIndex(fields=["store_ids"], name="search_order_stores"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.status})"


class CustomerCache(models.Model):
    """Customer names, from customersapi.CustomerRegistered or, on a miss, from the customers
    context's open-host query."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "customer cache entry"
        verbose_name_plural = "customer cache"

    def __str__(self) -> str:
        return self.name
