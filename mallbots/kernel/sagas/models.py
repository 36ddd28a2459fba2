from django.db import models
from django.db.models.functions import Now


class SagaInstance(models.Model):
    """One run of a saga: where it is (the step it waits on, in which direction), its data, and
    how it ended. Written in the transaction that handles each reply, with the inbox record of
    the reply and the outbox row of the next command."""

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"  # every step done
        COMPENSATED = "compensated"  # a step failed; every compensation done
        FAILED = "failed"  # a step failed and a compensation failed too: staff must look

    name = models.CharField(max_length=150)
    saga_id = models.CharField(max_length=64)
    correlation_id = models.CharField(max_length=64)
    data = models.JSONField()
    step = models.IntegerField(default=-1)
    compensating = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    failure_reason = models.TextField(blank=True)
    compensation_failures = models.JSONField(default=list)
    step_deadline = models.DateTimeField(null=True)  # when the step's reply is late
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "saga_id"], name="sagas_one_run_per_id")]
        indexes = [
            models.Index(
                fields=["step_deadline"], name="sagas_running_deadline", condition=models.Q(status="running")
            ),
            models.Index(fields=["correlation_id"], name="sagas_correlation"),
        ]
        verbose_name = "saga instance"

    def __str__(self) -> str:
        return f"{self.name} {self.saga_id} ({self.status})"
