"""Upgrading a database of the first version: its outbox, inbox and failed deliveries become
streams and delivery rows, nothing lost, sequence numbers kept."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BEFORE = [("messaging", "0001_initial")]
AFTER = [("messaging", "0002_streams_and_deliveries")]


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.fixture
def first_version():
    """The messaging tables as the first version left them; migrated forward again after."""
    migrate(BEFORE)
    yield
    migrate(executor_leaf())


def executor_leaf() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def outbox(
    cursor, name: str, key: str, deliveries: list[dict], *, sent: bool, producer: str = "ordering"
) -> str:
    message_id = str(uuid.uuid4())
    cursor.execute(
        "INSERT INTO messaging_outboxmessage (message_id, name, version, partition_key, producer, correlation_id, "
        " causation_id, payload, metadata, deliveries, created_at, sent_at) "
        "VALUES (%s, %s, 1, %s, %s, %s, NULL, %s, '{}', %s, now(), CASE WHEN %s THEN now() END)",
        [message_id, name, key, producer, key, json.dumps({"id": key}), json.dumps(deliveries), sent],
    )
    return message_id


def test_the_first_versions_messages_become_streams_and_deliveries(first_version):
    handler, ordered = "search.on_ordering_order_created", "depot.on_ordering_order_created"
    with connection.cursor() as cursor:
        # given: a message handled by one subscriber and dead for another, one sent whose
        # outcome is unknown, one still unsent, and a dead letter whose message was purged
        both = [
            {"handler": handler, "queue": "search", "sequence": None, "seq": None},
            {"handler": ordered, "queue": "depot", "sequence": "depot.orders", "seq": 4},
        ]
        done = outbox(cursor, "ordersapi.OrderCreated", "o-1", both, sent=True)
        cursor.execute(
            "INSERT INTO messaging_inboxmessage (handler, message_id, name, partition_key, correlation_id, handled_at) "
            "VALUES (%s, %s, 'ordersapi.OrderCreated', 'o-1', 'o-1', now())",
            [handler, done],
        )
        cursor.execute(
            "INSERT INTO messaging_faileddelivery (handler, queue, message_id, name, partition_key, sequence, seq, "
            " envelope, status, attempts, last_error, first_failed_at, last_failed_at) "
            "VALUES (%s, 'depot', %s, 'ordersapi.OrderCreated', 'o-1', 'depot.orders', 4, '{}', 'dead', 6, "
            " 'boom', now(), now())",
            [ordered, done],
        )
        unknown = outbox(cursor, "ordersapi.OrderApproved", "o-2", both[:1], sent=True)
        waiting = outbox(cursor, "ordersapi.OrderApproved", "o-3", both[:1], sent=False)
        purged = str(uuid.uuid4())
        envelope = {
            "id": purged, "name": "ordersapi.OrderCreated", "version": 1, "partition_key": "o-9", "position": 999,
            "correlation_id": "o-9", "causation_id": None, "occurred_at": "2026-11-01T10:00:00+00:00",
            "producer": "ordering", "payload": {"id": "o-9"}, "metadata": {},
        }  # fmt: skip
        cursor.execute(
            "INSERT INTO messaging_faileddelivery (handler, queue, message_id, name, partition_key, sequence, seq, "
            " envelope, status, attempts, last_error, first_failed_at, last_failed_at) "
            "VALUES (%s, 'search', %s, 'ordersapi.OrderCreated', 'o-9', '', NULL, %s, 'dead', 6, 'old', now(), now())",
            [handler, purged, json.dumps(envelope)],
        )
    # when
    migrate(AFTER)
    # then every message is in the ordering stream, the sent ones first, gapless
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT message_id::text, stream_position FROM messaging_message ORDER BY stream_position"
        )
        positions = dict(cursor.fetchall())
        cursor.execute("SELECT head FROM messaging_stream WHERE name = 'ordering'")
        (head,) = cursor.fetchone()
        cursor.execute(
            "SELECT message_id::text, handler, status, seq, sent_at IS NULL, due_at IS NULL FROM messaging_delivery"
        )
        deliveries = {(m, h): rest for m, h, *rest in cursor.fetchall()}
    assert sorted(positions.values()) == [1, 2, 3, 4] and head == 4
    assert positions[waiting] == 4
    assert deliveries == {
        (done, handler): ["handled", None, True, True],
        (done, ordered): ["dead", 4, True, True],
        (unknown, handler): ["pending", None, False, False],  # the sweep sends it again if not handled
        (waiting, handler): ["pending", None, True, False],  # never sent: due now
        (purged, handler): ["dead", None, True, True],  # its message restored from its envelope
    }
