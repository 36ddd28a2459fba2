"""Read model of orders: a projection of the event store, for the API, the admin, the stale
order sweep and other contexts' open-host queries (contracts.get_order, list_orders)."""

from __future__ import annotations

from django.db import models


class Order(models.Model):
    """Projection of the `ordering.Order` stream (signals.OrderProjection). Never written to
    except by the projection."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        REJECTED = "rejected", "rejected"
        APPROVED = "approved", "approved"
        IN_PROGRESS = "in-progress", "in progress"
        READY = "ready", "ready"
        COMPLETED = "completed", "completed"
        CANCELLED = "cancelled", "cancelled"

    id = models.CharField(primary_key=True, max_length=64)
    customer_id = models.CharField(max_length=64)
    payment_id = models.CharField(max_length=64)
    shopping_id = models.CharField(max_length=64, blank=True, default="")
    invoice_id = models.CharField(max_length=64, blank=True, default="")
    bot_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices)
    # How its create-order saga runs: "choreography" or "orchestration" (domain.SagaMode).
    saga = models.CharField(max_length=20, default="choreography")
    rejection_reason = models.TextField(blank=True, default="")
    total = models.DecimalField(max_digits=14, decimal_places=2)
    # [{"store_id", "product_id", "store_name", "product_name", "price": "9.99", "quantity"}],
    # in the order they were ordered.
    items = models.JSONField(default=list)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["customer_id"], name="ordering_order_customer"),
            models.Index(fields=["status", "created_at"], name="ordering_order_status"),
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"
