from django.db import models


class CounterView(models.Model):
    """Read model of the benchmark's Counter streams (projection `benchmark.counters`).
    Rows exist only while a benchmark runs."""

    id = models.CharField(primary_key=True, max_length=64)
    value = models.BigIntegerField()
    version = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.id} = {self.value} @v{self.version}"
