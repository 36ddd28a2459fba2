"""The SMS sent to customers (one per order and kind) and the cache of the customers context's
data that sending needs (name and SMS number)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .domain import Kind


class SentNotification(models.Model):
    """One SMS the customer was sent. The unique (order, kind) is what makes a customer never
    get the same SMS twice: the row is inserted before the SMS goes out, in the same
    transaction, and only the transaction that inserted it sends."""

    class Kinds(models.TextChoices):
        CREATED = Kind.CREATED.value, "order created"
        REJECTED = Kind.REJECTED.value, "order rejected"
        CANCELED = Kind.CANCELED.value, "order cancelled"
        READY = Kind.READY.value, "order ready"
        COMPLETED = Kind.COMPLETED.value, "order completed"

    customer_id = models.CharField(max_length=64)
    order_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kinds.choices)
    sms_number = models.CharField("SMS number", max_length=64)
    text = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order_id", "kind"], name="notifications_one_sms_per_order_kind"),
        ]
        indexes = [
            models.Index(fields=["customer_id"], name="notifications_sent_customer"),
            models.Index(fields=["-sent_at", "-id"], name="notifications_sent_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} SMS for order {self.order_id}"


class CustomerCache(models.Model):
    """What the customers context published about a customer: the latest handled
    CustomerRegistered / CustomerSmsChanged, or the customers context's answer on a miss."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField()
    sms_number = models.CharField("SMS number", max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "customer cache entry"
        verbose_name_plural = "customer cache"

    def __str__(self) -> str:
        return self.name
