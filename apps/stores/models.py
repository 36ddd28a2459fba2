"""Read models of the stores context: projections of the Store and Product streams (see
signals.py). Written only by the projections; rebuildable from the event store."""

from django.db import models


class Store(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    name = models.TextField()
    location = models.TextField()
    participating = models.BooleanField(default=False)

    class Meta:
        ordering = ("name", "id")
        indexes = [
            models.Index(
                fields=["name"], name="participating_stores_idx", condition=models.Q(participating=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    # The store's id, not a ForeignKey: the store and the product are separate aggregates.
    store_id = models.CharField(max_length=64)
    name = models.TextField()
    description = models.TextField(blank=True)
    sku = models.TextField(blank=True)
    price = models.DecimalField(max_digits=9, decimal_places=2)

    class Meta:
        ordering = ("name", "id")
        indexes = [models.Index(fields=["store_id", "name"], name="store_products_idx")]

    def __str__(self) -> str:
        return self.name
