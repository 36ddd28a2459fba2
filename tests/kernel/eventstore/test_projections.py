from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connections

from mallbots.kernel.eventstore import projections
from tests.kernelapp import services
from tests.kernelapp.models import LedgerView

pytestmark = pytest.mark.integration


def snapshot_of_views() -> dict[str, tuple]:
    return {v.id: (v.name, v.balance, v.entries, v.closed, v.version) for v in LedgerView.objects.all()}


@pytest.mark.django_db
def test_rebuild_restores_lost_and_corrupted_rows_and_is_idempotent():
    # given
    ids = [str(uuid.uuid4()) for _ in range(4)]
    for ledger_id in ids:
        services.ledger_open(ledger_id=ledger_id, name=f"L{ledger_id[:4]}")
        services.ledger_credit(ledger_id=ledger_id, amount=Decimal("2.50"))
    services.ledger_close(ledger_id=ids[0])
    expected = snapshot_of_views()
    LedgerView.objects.filter(id=ids[1]).delete()
    LedgerView.objects.filter(id=ids[2]).update(balance=Decimal("999"), entries=42)
    LedgerView.objects.create(id="orphan", name="x", owner="x", balance=0, entries=0, version=1)
    projection = projections.get("kerneltest.ledgers")
    # when
    first = projections.rebuild(projection, batch_size=3)
    after_first = snapshot_of_views()
    second = projections.rebuild(projection, batch_size=3)
    # then rows derived from streams are exactly what the events say, both times
    assert first == second == (4, 9)
    assert {k: v for k, v in after_first.items() if k != "orphan"} == expected
    assert snapshot_of_views() == after_first


@pytest.mark.django_db(transaction=True)
def test_rebuild_while_commands_run_loses_no_update():
    # given ledgers receiving credits from another thread during the rebuild
    ids = [str(uuid.uuid4()) for _ in range(20)]
    for ledger_id in ids:
        services.ledger_open(ledger_id=ledger_id, name="Busy")
    credits = 300
    errors: list[BaseException] = []

    def keep_crediting() -> None:
        try:
            for i in range(credits):
                services.ledger_credit(ledger_id=ids[i % len(ids)], amount=Decimal("1"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=keep_crediting)
    writer.start()
    # when the projection is rebuilt again and again meanwhile
    projection = projections.get("kerneltest.ledgers")
    rebuilds = 0
    while writer.is_alive() or rebuilds < 3:
        projections.rebuild(projection, batch_size=4)
        rebuilds += 1
    writer.join(30)
    # then every read model row equals its aggregate's state
    assert errors == []
    for ledger_id in ids:
        ledger = services.ledgers.get(ledger_id)
        view = LedgerView.objects.get(id=ledger_id)
        assert (view.balance, view.entries, view.version) == (ledger.balance, ledger.entries, ledger.version)
    assert sum(LedgerView.objects.values_list("entries", flat=True)) == credits
    assert rebuilds > 3
