from django.db import models
from django.utils import timezone


class LedgerView(models.Model):
    """Read model: projection of the Ledger stream."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=100)
    owner = models.CharField(max_length=100)
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    entries = models.PositiveIntegerField()
    closed = models.BooleanField(default=False)
    version = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.name


class HandledEffect(models.Model):
    """What handlers did, in the order they did it, so tests can assert exactly-once and order."""

    handler = models.CharField(max_length=100)
    key = models.CharField(max_length=64)
    value = models.CharField(max_length=200)
    correlation_id = models.CharField(max_length=64, blank=True)
    causation_id = models.CharField(max_length=64, blank=True)
    created = models.BigAutoField(primary_key=True)

    def __str__(self) -> str:
        return f"{self.handler} {self.key} {self.value}"


class Tally(models.Model):
    """The row of a state-stored aggregate, for the kernel's StateStoredRepository."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
