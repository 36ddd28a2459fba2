"""Queries on what `seed_mall` created."""

from __future__ import annotations

from .demo import CUSTOMER_KEY_PREFIX
from .models import SeedRecord


def seed_record_find(*, key: str) -> SeedRecord | None:
    return SeedRecord.objects.filter(key=key).first()


def seeded_customer_ids() -> list[str]:
    """The ids of the seeded customers, in the order they were seeded."""
    records = SeedRecord.objects.filter(key__startswith=CUSTOMER_KEY_PREFIX).order_by("id")
    return list(records.values_list("entity_id", flat=True))
