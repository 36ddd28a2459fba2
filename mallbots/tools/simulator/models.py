from django.db import models


class SeedRecord(models.Model):
    """One entity `seed_mall` created, under a stable key ("store:Nic & Naks",
    "product:Nic & Naks:Wizard w/ crystal", "customer:Ada Lovelace", "payment:Ada Lovelace",
    "bot:Robo-1"), so a second run finds it instead of creating it again."""

    key = models.CharField(max_length=200, unique=True)
    entity_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.key} = {self.entity_id}"
