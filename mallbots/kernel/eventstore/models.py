from django.db import models
from django.db.models.functions import Now


class Event(models.Model):
    """Append-only history of every event-sourced aggregate. `position` orders all events
    globally (for replays); (stream_type, stream_id, version) is unique, which is the
    optimistic-concurrency check: of two writers appending the same version only one commits."""

    position = models.BigAutoField(primary_key=True)
    stream_type = models.CharField(max_length=100)
    stream_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=150)
    schema_version = models.PositiveSmallIntegerField()
    data = models.JSONField()
    metadata = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream_type", "stream_id", "version"],
                name="eventstore_event_stream_version",
            )
        ]
        indexes = [models.Index(fields=["event_type", "position"], name="eventstore_event_type_pos")]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.stream_type}/{self.stream_id} v{self.version} {self.event_type}"


class Snapshot(models.Model):
    """Latest snapshot of a stream, so loading reads it plus the events after it."""

    stream_type = models.CharField(max_length=100)
    stream_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    schema_version = models.PositiveSmallIntegerField()
    state = models.JSONField()
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream_type", "stream_id"], name="eventstore_snapshot_stream")
        ]

    def __str__(self) -> str:
        return f"{self.stream_type}/{self.stream_id} @v{self.version}"


class ProjectionRun(models.Model):
    """Bookkeeping of projection rebuilds, shown to staff."""

    name = models.CharField(max_length=100, unique=True)
    last_rebuild_started_at = models.DateTimeField(null=True)
    last_rebuild_finished_at = models.DateTimeField(null=True)
    streams_rebuilt = models.PositiveIntegerField(default=0)
    events_replayed = models.PositiveBigIntegerField(default=0)
    head_position = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
