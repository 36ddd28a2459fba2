"""Create the demo mall, idempotently: participating stores with their products, customers with
an authorized payment each, and bots, all through the contexts' services. A second run creates
nothing and says so; `--stores` / `--customers` take more or fewer of the fixed demo lists.

    manage.py seed_mall [--stores 5] [--customers 10]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mallbots.tools.simulator import demo
from mallbots.tools.simulator.seeding import Kind, SeedResult, seed_mall
from mallbots.tools.simulator.text import table


class Command(BaseCommand):
    help = "Create the demo mall (stores, products, customers, payments, bots) once; reruns create nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stores",
            type=int,
            default=demo.DEFAULT_STORES,
            help=f"how many demo stores, with their products (default {demo.DEFAULT_STORES}, "
            f"at most {len(demo.STORES)})",
        )
        parser.add_argument(
            "--customers",
            type=int,
            default=demo.DEFAULT_CUSTOMERS,
            help=f"how many demo customers, each with a payment of {demo.PAYMENT_AMOUNT} "
            f"(default {demo.DEFAULT_CUSTOMERS}, at most {len(demo.CUSTOMERS)})",
        )

    def handle(self, *args: Any, stores: int, customers: int, **options: Any) -> None:
        try:
            result = seed_mall(stores=stores, customers=customers)
        except ValueError as error:
            raise CommandError(str(error))
        for kind in result.kinds:
            self._kind(kind)
        self._total(result)

    def _kind(self, kind: Kind) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"{kind.title.capitalize()} ({len(kind.entities)})"))
        rows = [(*e.cells, e.entity_id, "created" if e.created else "already there") for e in kind.entities]
        for line in table((*kind.columns, "ID", ""), rows):
            self.stdout.write(line)
        self.stdout.write(f"  {kind.title}: created {kind.created}, already there {kind.existing}")
        self.stdout.write("")

    def _total(self, result: SeedResult) -> None:
        self.stdout.write(f"Total: created {result.created}, already there {result.existing}")
        if result.created == 0:
            self.stdout.write(self.style.SUCCESS("Nothing to create: the demo mall is already there."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Demo mall ready: {result.created} entities created."))
