from django.db import models
from django.db.models.functions import Now


class OutboxMessage(models.Model):
    """An integration event written in the producing command's transaction. The relay sends one
    Celery message per subscriber listed in `deliveries` and marks the row sent only after the
    broker took them all."""

    position = models.BigAutoField(primary_key=True)
    message_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=150)
    version = models.PositiveSmallIntegerField()
    partition_key = models.CharField(max_length=150)
    producer = models.CharField(max_length=50)
    correlation_id = models.CharField(max_length=64)
    causation_id = models.CharField(max_length=64, null=True)  # noqa: DJ001 - None means "no cause", unlike ""
    payload = models.JSONField()
    metadata = models.JSONField(default=dict)
    # [{"handler": name, "queue": queue, "seq": n | null}], fixed when the message is written.
    deliveries = models.JSONField(default=list)
    created_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["position"],
                name="messaging_outbox_unsent",
                condition=models.Q(sent_at__isnull=True),
            ),
            models.Index(fields=["correlation_id"], name="messaging_outbox_correlation"),
            models.Index(fields=["sent_at"], name="messaging_outbox_sent_at"),
        ]
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.name} {self.message_id}"


class PartitionSequence(models.Model):
    """Last number given to a (sequence, partition key), where a sequence is an ordered
    handler or an order group of handlers: gapless, because it is advanced in the publishing
    transaction and rolled back with it."""

    sequence = models.CharField(max_length=150)
    partition_key = models.CharField(max_length=150)
    last = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sequence", "partition_key"], name="messaging_sequence_key")
        ]

    def __str__(self) -> str:
        return f"{self.sequence} / {self.partition_key}: {self.last}"


class InboxMessage(models.Model):
    """A message a handler has handled, recorded in the handler's own transaction: a second
    delivery of the same message to the same handler finds it and does nothing."""

    handler = models.CharField(max_length=150)
    message_id = models.UUIDField()
    name = models.CharField(max_length=150)
    partition_key = models.CharField(max_length=150)
    correlation_id = models.CharField(max_length=64)
    handled_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=["handler", "message_id"], name="messaging_inbox_once")]
        indexes = [
            models.Index(fields=["handled_at"], name="messaging_inbox_handled_at"),
            models.Index(fields=["correlation_id"], name="messaging_inbox_correlation"),
        ]
        verbose_name = "inbox message"

    def __str__(self) -> str:
        return f"{self.handler} <- {self.name} {self.message_id}"


class PartitionCursor(models.Model):
    """For ordered handlers and order groups: the last number handled per partition key."""

    sequence = models.CharField(max_length=150)
    partition_key = models.CharField(max_length=150)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sequence", "partition_key"], name="messaging_cursor_key")
        ]

    def __str__(self) -> str:
        return f"{self.sequence} / {self.partition_key}: {self.last}"


class FailedDelivery(models.Model):
    """A delivery that did not succeed yet: waiting for a retry with backoff (`retrying`),
    waiting for an earlier message of its partition (`held`), or given up (`dead`: a dead
    letter, for staff to retry or discard)."""

    class Status(models.TextChoices):
        RETRYING = "retrying"
        HELD = "held"
        DEAD = "dead"

    handler = models.CharField(max_length=150)
    queue = models.CharField(max_length=50)
    message_id = models.UUIDField()
    name = models.CharField(max_length=150)
    partition_key = models.CharField(max_length=150)
    sequence = models.CharField(max_length=150, blank=True)  # "" for unordered handlers
    seq = models.PositiveBigIntegerField(null=True)
    envelope = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    first_failed_at = models.DateTimeField(db_default=Now())
    last_failed_at = models.DateTimeField(db_default=Now())
    next_attempt_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["handler", "message_id"], name="messaging_failed_once")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="messaging_failed_due"),
            models.Index(
                fields=["sequence", "partition_key", "seq"],
                name="messaging_failed_partition",
            ),
        ]
        verbose_name = "failed delivery"
        verbose_name_plural = "failed deliveries (retries and dead letters)"

    def __str__(self) -> str:
        return f"{self.status}: {self.handler} <- {self.name} {self.message_id}"
