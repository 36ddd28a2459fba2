from django.db import models
from django.db.models.functions import Now

from .domain import SMS_NUMBER_MAX_LENGTH


class Customer(models.Model):
    """The state of the Customer aggregate (state-stored, not event-sourced). Written only by
    the repository in services; `version` counts the saves that changed the row."""

    id = models.UUIDField(primary_key=True)
    name = models.TextField()
    sms_number = models.CharField("SMS number", max_length=SMS_NUMBER_MAX_LENGTH)
    enabled = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["-created_at", "id"], name="customers_newest_first")]

    def __str__(self) -> str:
        return self.name
