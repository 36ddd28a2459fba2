"""State of the payments context's aggregates (written only by the repository), and the caches
of other contexts' data that its commands read. Other contexts are referenced by id only."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now

from .domain import Confirmation, InvoiceStatus


class Payment(models.Model):
    """A payment authorized by a customer; `order_id` is the order it was confirmed for, empty
    until then. `version` counts the saves that changed the row."""

    id = models.CharField(primary_key=True, max_length=64)
    customer_id = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    order_id = models.CharField(max_length=64, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["customer_id"], name="payments_payment_customer"),
            models.Index(fields=["order_id"], name="payments_payment_order"),
            models.Index(fields=["-created_at", "id"], name="payments_payment_newest"),
        ]

    def __str__(self) -> str:
        return f"payment {self.id}"


class Invoice(models.Model):
    """The invoice of a ready order; its id is the order id."""

    class Status(models.TextChoices):
        PENDING = InvoiceStatus.PENDING.value, "pending"
        PAID = InvoiceStatus.PAID.value, "paid"
        CANCELED = InvoiceStatus.CANCELED.value, "canceled"

    id = models.CharField(primary_key=True, max_length=64)
    order_id = models.CharField(max_length=64, unique=True)
    payment_id = models.CharField(max_length=64, blank=True, default="")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="payments_invoice_status")]

    def __str__(self) -> str:
        return f"invoice {self.id}"


# --- Caches of other contexts' data, fed by their integration events ------------------------


class CustomerCache(models.Model):
    """Customers who may authorize payments (customersapi.CustomerRegistered), or looked up in
    the customers context on a miss."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "customer cache entry"
        verbose_name_plural = "customer cache"

    def __str__(self) -> str:
        return self.name


class OrderCopy(models.Model):
    """An order as the payments context needs it (ordersapi.OrderCreated), with the outcome of
    the confirmation of its payment (create-order saga, step 4) and whether it was rejected or
    canceled."""

    class Confirmation(models.TextChoices):
        AWAITING = Confirmation.AWAITING.value, "awaiting"
        CONFIRMED = Confirmation.CONFIRMED.value, "confirmed"
        FAILED = Confirmation.FAILED.value, "failed"
        RELEASED = Confirmation.RELEASED.value, "released"

    order_id = models.CharField(primary_key=True, max_length=64)
    customer_id = models.CharField(max_length=64)
    payment_id = models.CharField(max_length=64)
    # Wider than a payment: an order larger than any payment is refused, not a crash.
    total = models.DecimalField(max_digits=12, decimal_places=2)
    confirmation = models.CharField(
        max_length=20, choices=Confirmation.choices, default=Confirmation.AWAITING
    )
    failure_reason = models.TextField(blank=True, default="")
    canceled = models.BooleanField(default=False)
    rejected = models.BooleanField(default=False)
    # Its create-order saga is orchestrated (ordersapi.OrderCreated `saga`): ConfirmPayment, not
    # ShoppingListCreated, confirms its payment.
    orchestrated = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = "order copy"
        verbose_name_plural = "order copies"
        ordering = ["-created_at", "order_id"]

    def __str__(self) -> str:
        return f"order {self.order_id}"
