# The outbox becomes the retained streams; the inbox and the failed deliveries become one
# delivery row per (message, subscriber). Existing rows are carried over: sent messages are
# appended to their producer's stream in the order they were sent, unsent ones after them;
# each message's deliveries keep their sequence numbers and become handled (in the inbox),
# retrying / held / dead (failed), or pending (sent, outcome unknown: the reconciliation sweep
# sends them again unless they are handled within its deadline). A dead letter whose message
# was purged gets its message back from the envelope it kept.

import django.db.models.functions.datetime
from django.db import migrations, models

CARRY_OVER = """
INSERT INTO messaging_message (position, message_id, name, version, partition_key, producer, correlation_id,
    causation_id, payload, metadata, deliveries, created_at, sent_at, size)
SELECT (f.envelope->>'position')::bigint, f.message_id, f.name, (f.envelope->>'version')::int, f.partition_key,
    f.envelope->>'producer', f.envelope->>'correlation_id', f.envelope->>'causation_id', f.envelope->'payload',
    coalesce(f.envelope->'metadata', '{}'::jsonb),
    jsonb_build_array(jsonb_build_object('handler', f.handler, 'queue', f.queue, 'sequence', nullif(f.sequence, ''),
        'seq', f.seq)),
    (f.envelope->>'occurred_at')::timestamptz, f.first_failed_at, 0
FROM messaging_faileddelivery f
WHERE NOT EXISTS (SELECT 1 FROM messaging_message m WHERE m.message_id = f.message_id)
ON CONFLICT DO NOTHING;

UPDATE messaging_message SET size = octet_length(payload::text);

UPDATE messaging_message m SET stream_position = r.n, appended_at = coalesce(m.sent_at, statement_timestamp())
FROM (SELECT position, row_number() OVER (PARTITION BY producer ORDER BY sent_at IS NULL, sent_at, position) AS n
      FROM messaging_message) r
WHERE m.position = r.position;

INSERT INTO messaging_stream (name, head, created_at)
SELECT producer, max(stream_position), min(created_at) FROM messaging_message GROUP BY producer;

INSERT INTO messaging_delivery (handler, message_id, position, name, partition_key, queue, sequence, seq, status,
    attempts, created_at, sent_at, due_at, handled_at, last_error, first_failed_at, last_failed_at)
SELECT d->>'handler', m.message_id, m.position, m.name, m.partition_key, d->>'queue', coalesce(d->>'sequence', ''),
    (d->>'seq')::bigint,
    CASE WHEN i.id IS NOT NULL THEN 'handled' WHEN f.id IS NOT NULL THEN f.status ELSE 'pending' END,
    coalesce(f.attempts, 0), m.created_at,
    CASE WHEN i.id IS NULL AND f.id IS NULL THEN m.sent_at END,
    CASE WHEN i.id IS NOT NULL THEN NULL
         WHEN f.id IS NOT NULL THEN CASE WHEN f.status = 'dead' THEN NULL ELSE coalesce(f.next_attempt_at, now()) END
         ELSE now() END,
    i.handled_at, coalesce(f.last_error, ''), f.first_failed_at, f.last_failed_at
FROM messaging_message m
CROSS JOIN LATERAL jsonb_array_elements(m.deliveries) AS d
LEFT JOIN messaging_inboxmessage i ON i.handler = d->>'handler' AND i.message_id = m.message_id
LEFT JOIN messaging_faileddelivery f ON f.handler = d->>'handler' AND f.message_id = m.message_id
ON CONFLICT DO NOTHING;

INSERT INTO messaging_delivery (handler, message_id, position, name, partition_key, queue, sequence, seq, status,
    attempts, created_at, handled_at, last_error)
SELECT i.handler, i.message_id, 0, i.name, i.partition_key, '', '', NULL, 'handled', 0, i.handled_at, i.handled_at, ''
FROM messaging_inboxmessage i
ON CONFLICT DO NOTHING;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="outboxmessage", name="messaging_outbox_unsent"),
        migrations.RemoveIndex(model_name="outboxmessage", name="messaging_outbox_correlation"),
        migrations.RemoveIndex(model_name="outboxmessage", name="messaging_outbox_sent_at"),
        migrations.RenameModel(old_name="OutboxMessage", new_name="StreamMessage"),
        migrations.AlterModelTable(name="streammessage", table="messaging_message"),
        migrations.AlterModelOptions(name="streammessage", options={"verbose_name": "stream message"}),
        migrations.AddField(
            model_name="streammessage", name="stream_position", field=models.PositiveBigIntegerField(null=True)
        ),
        migrations.AddField(model_name="streammessage", name="size", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="streammessage", name="appended_at", field=models.DateTimeField(null=True)),
        migrations.CreateModel(
            name="Stream",
            fields=[
                ("name", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("head", models.PositiveBigIntegerField(default=0)),
                ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={"verbose_name": "stream"},
        ),
        migrations.CreateModel(
            name="Subscriber",
            fields=[
                ("name", models.CharField(max_length=150, primary_key=True, serialize=False)),
                ("event", models.CharField(max_length=150)),
                ("stream", models.CharField(max_length=50)),
                ("queue", models.CharField(max_length=50)),
                ("sequence", models.CharField(blank=True, max_length=150)),
                (
                    "state",
                    models.CharField(
                        choices=[("live", "Live"), ("catching_up", "Catching Up"), ("retired", "Retired")],
                        max_length=12,
                    ),
                ),
                ("start_from", models.CharField(default="new", max_length=64)),
                ("caught_up_to", models.PositiveBigIntegerField(default=0)),
                ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                ("updated_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={
                "verbose_name": "subscriber",
                "indexes": [models.Index(fields=["stream", "state"], name="messaging_subscriber_stream")],
            },
        ),
        migrations.CreateModel(
            name="Delivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("handler", models.CharField(max_length=150)),
                ("message_id", models.UUIDField()),
                ("position", models.BigIntegerField()),
                ("name", models.CharField(max_length=150)),
                ("partition_key", models.CharField(max_length=150)),
                ("queue", models.CharField(max_length=50)),
                ("sequence", models.CharField(blank=True, max_length=150)),
                ("seq", models.PositiveBigIntegerField(null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("handled", "Handled"),
                            ("retrying", "Retrying"),
                            ("held", "Held"),
                            ("dead", "Dead"),
                            ("discarded", "Discarded"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                ("sent_at", models.DateTimeField(null=True)),
                ("due_at", models.DateTimeField(null=True)),
                ("handled_at", models.DateTimeField(null=True)),
                ("last_error", models.TextField(blank=True)),
                ("first_failed_at", models.DateTimeField(null=True)),
                ("last_failed_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "delivery",
                "verbose_name_plural": "deliveries",
                "indexes": [
                    models.Index(
                        condition=models.Q(("due_at__isnull", False)), fields=["due_at"], name="messaging_delivery_due"
                    ),
                    models.Index(
                        condition=models.Q(("seq__isnull", False)),
                        fields=["sequence", "partition_key", "seq"],
                        name="messaging_delivery_partition",
                    ),
                    models.Index(
                        condition=models.Q(("status__in", ["retrying", "held", "dead"])),
                        fields=["status", "last_failed_at"],
                        name="messaging_delivery_failed",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("message_id", "handler"), name="messaging_delivery_once")
                ],
            },
        ),
        migrations.RunSQL(CARRY_OVER, reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveField(model_name="streammessage", name="deliveries"),
        migrations.RemoveField(model_name="streammessage", name="sent_at"),
        migrations.DeleteModel(name="InboxMessage"),
        migrations.DeleteModel(name="FailedDelivery"),
        migrations.CreateModel(
            name="FailedDelivery",
            fields=[],
            options={
                "verbose_name": "failed delivery",
                "verbose_name_plural": "failed deliveries (retries and dead letters)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("messaging.delivery",),
        ),
        migrations.AddConstraint(
            model_name="streammessage",
            constraint=models.UniqueConstraint(fields=("producer", "stream_position"), name="messaging_stream_position"),
        ),
        migrations.AddIndex(
            model_name="streammessage",
            index=models.Index(
                condition=models.Q(("stream_position__isnull", True)),
                fields=["producer", "position"],
                name="messaging_message_outbox",
            ),
        ),
        migrations.AddIndex(
            model_name="streammessage",
            index=models.Index(fields=["correlation_id"], name="messaging_message_correlation"),
        ),
        migrations.AddIndex(
            model_name="streammessage",
            index=models.Index(fields=["created_at"], name="messaging_message_created"),
        ),
    ]
