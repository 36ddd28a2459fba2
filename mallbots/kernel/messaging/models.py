"""The messaging tables: PostgreSQL is the system of record, Redis only pushes work.

- `StreamMessage`: every integration event, kept in the retained stream of the context that
  produced it. Written in the producing command's transaction (then it is "in the outbox":
  no stream position yet); the relay appends it to its stream (a gapless stream position,
  given in commit order under the stream's lock) and fans it out into deliveries.
- `Stream`: one row per producing context: the last stream position given, and the lock
  that keeps appends of one stream in order.
- `Subscriber`: every handler, with where it started from and whether it follows the stream
  live or is catching up on its history.
- `Delivery`: one (message, subscriber): the subscriber's durable record of what it has
  handled (the inbox), of what failed (retries, held messages, dead letters) and of when the
  message was last handed to the broker, so that a delivery the broker lost is sent again.
- `PartitionSequence` / `PartitionCursor`: per-partition order for ordered subscribers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models.functions import Now


class Stream(models.Model):
    """A producing context's retained stream of integration events."""

    name = models.CharField(primary_key=True, max_length=50)
    # The last stream position given: positions 1..head are taken, without gaps.
    head = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = "stream"

    def __str__(self) -> str:
        return f"{self.name} (head {self.head})"


class StreamMessage(models.Model):
    """An integration event. `position` is the global position (taken when the row is
    written, so a transaction that commits late has a lower one than rows already appended);
    `stream_position` is its place in its producer's stream, given when the relay appends it.
    A row without one is still in the outbox."""

    position = models.BigAutoField(primary_key=True)
    # Publish-side dedup: a producer that retries with the same id stores the event once.
    message_id = models.UUIDField(unique=True)
    name = models.CharField(max_length=150)
    version = models.PositiveSmallIntegerField()
    partition_key = models.CharField(max_length=150)
    producer = models.CharField(max_length=50)  # the stream it belongs to
    stream_position = models.PositiveBigIntegerField(null=True)
    correlation_id = models.CharField(max_length=64)
    causation_id = models.CharField(max_length=64, null=True)  # noqa: DJ001 - None means "no cause", unlike ""
    payload = models.JSONField()
    metadata = models.JSONField(default=dict)
    size = models.PositiveIntegerField(default=0)  # bytes of the JSON payload, for size retention
    created_at = models.DateTimeField(db_default=Now())
    appended_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "messaging_message"
        constraints = [
            models.UniqueConstraint(fields=["producer", "stream_position"], name="messaging_stream_position"),
        ]
        indexes = [
            models.Index(
                fields=["producer", "position"],
                name="messaging_message_outbox",
                condition=models.Q(stream_position__isnull=True),
            ),
            models.Index(fields=["correlation_id"], name="messaging_message_correlation"),
            models.Index(fields=["created_at"], name="messaging_message_created"),
        ]
        verbose_name = "stream message"

    def __str__(self) -> str:
        return f"{self.name} {self.message_id}"

    @property
    def in_outbox(self) -> bool:
        return self.stream_position is None

    def envelope(self) -> dict[str, Any]:
        """The envelope a delivery of this message carries (see envelope.Envelope)."""
        return {
            "id": str(self.message_id),
            "name": self.name,
            "version": self.version,
            "partition_key": self.partition_key,
            "position": self.position,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "occurred_at": self.created_at.isoformat(),
            "producer": self.producer,
            "payload": self.payload,
            "metadata": self.metadata,
            "stream_position": self.stream_position,
        }


class Subscriber(models.Model):
    """A handler of one integration event: the durable side of a `subscribe()` call."""

    class State(models.TextChoices):
        LIVE = "live"  # the relay fans every new message out to it
        CATCHING_UP = "catching_up"  # handling retained history; live once it reaches the head
        RETIRED = "retired"  # no longer subscribed in the code

    name = models.CharField(primary_key=True, max_length=150)
    event = models.CharField(max_length=150)
    stream = models.CharField(max_length=50)
    queue = models.CharField(max_length=50)
    sequence = models.CharField(max_length=150, blank=True)  # "" for unordered handlers
    state = models.CharField(max_length=12, choices=State.choices)
    # Where catching up starts: "earliest", "position:N" (global position) or "time:ISO8601".
    start_from = models.CharField(max_length=64, default="new")
    # How far catching up has walked the stream (a stream position).
    caught_up_to = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["stream", "state"], name="messaging_subscriber_stream")]
        verbose_name = "subscriber"

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"


class Delivery(models.Model):
    """One message for one subscriber. `pending` until the subscriber's transaction records it
    `handled` (or staff discard it); `retrying` after a transient failure, `held` while an
    earlier message of its partition is not handled, `dead` when retrying cannot help.
    `due_at` says when the reconciliation sweep hands it to the broker again if it is still
    not handled: after a backoff for retries, after the redelivery deadline for a message the
    broker may have lost."""

    class Status(models.TextChoices):
        PENDING = "pending"
        HANDLED = "handled"
        RETRYING = "retrying"
        HELD = "held"
        DEAD = "dead"
        DISCARDED = "discarded"

    OPEN = (Status.PENDING, Status.RETRYING, Status.HELD)
    FAILED = (Status.RETRYING, Status.HELD, Status.DEAD)

    handler = models.CharField(max_length=150)
    message_id = models.UUIDField()
    position = models.BigIntegerField()  # the message's global position
    name = models.CharField(max_length=150)
    partition_key = models.CharField(max_length=150)
    queue = models.CharField(max_length=50)
    sequence = models.CharField(max_length=150, blank=True)  # "" for unordered handlers
    seq = models.PositiveBigIntegerField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_default=Now())
    sent_at = models.DateTimeField(null=True)  # last handed to the broker
    due_at = models.DateTimeField(null=True)
    handled_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)
    first_failed_at = models.DateTimeField(null=True)
    last_failed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message_id", "handler"], name="messaging_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["due_at"], name="messaging_delivery_due", condition=models.Q(due_at__isnull=False)
            ),
            models.Index(
                fields=["sequence", "partition_key", "seq"],
                name="messaging_delivery_partition",
                condition=models.Q(seq__isnull=False),
            ),
            models.Index(
                fields=["status", "last_failed_at"],
                name="messaging_delivery_failed",
                condition=models.Q(status__in=["retrying", "held", "dead"]),
            ),
        ]
        verbose_name = "delivery"
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.status}: {self.handler} <- {self.name} {self.message_id}"

    def envelope(self) -> dict[str, Any]:
        return StreamMessage.objects.get(message_id=self.message_id).envelope()


class FailedDeliveryManager(models.Manager["FailedDelivery"]):
    def get_queryset(self) -> models.QuerySet[FailedDelivery]:
        return super().get_queryset().filter(status__in=Delivery.FAILED)


class FailedDelivery(Delivery):
    """The deliveries staff look after: retrying, held, and dead letters."""

    objects: ClassVar[FailedDeliveryManager] = FailedDeliveryManager()

    class Meta:
        proxy = True
        verbose_name = "failed delivery"
        verbose_name_plural = "failed deliveries (retries and dead letters)"


class PartitionSequence(models.Model):
    """Last number given to a (sequence, partition key), where a sequence is an ordered
    handler or an order group of handlers: gapless, because it is advanced in the relay's
    transaction that creates the deliveries carrying the numbers."""

    sequence = models.CharField(max_length=150)
    partition_key = models.CharField(max_length=150)
    last = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sequence", "partition_key"], name="messaging_sequence_key")
        ]

    def __str__(self) -> str:
        return f"{self.sequence} / {self.partition_key}: {self.last}"


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
