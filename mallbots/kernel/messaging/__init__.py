"""Messaging kernel app: integration-event registry, transactional outbox and relay, inbox
with per-partition ordering, retries and dead letters, Celery transport.
Public API: `mallbots.kernel.messaging.api`."""
