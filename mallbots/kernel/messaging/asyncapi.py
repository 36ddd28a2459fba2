"""The AsyncAPI 3.0 document of the integration events, generated from the registries: every
event (a channel named after it, a message with its version and payload schema), the context
that produces it (a `send` operation) and every handler that consumes it (a `receive`
operation with its queue and ordering). Served at /api/events/asyncapi.json; the committed copy
docs/asyncapi.json is kept current by `manage.py asyncapi --check` in CI."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from mallbots.kernel.ddd.serde import json_schema

from .commands import commands, replies
from .envelope import Envelope
from .events import integration_events, schema
from .registry import Subscription, all_subscriptions

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_VERSION = "1.0.0"


@dataclass(frozen=True)
class EventDoc:
    """One message (an integration event, a command, a reply) as the HTML page shows it."""

    kind: str  # "event" | "command" | "reply" | "reply channel"
    name: str
    version: int
    producer: str
    partition_by: str
    fields: list[tuple[str, str, bool]]  # (field, type, required)
    subscribers: list[Subscription]


def _inline_refs(node: Any, defs: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Replace pydantic's local `#/$defs/X` references by the definitions themselves: inside
    the AsyncAPI document `#` is the document's root, where they would not resolve."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            key = ref.removeprefix("#/$defs/")
            if key in seen:
                raise ValueError(f"recursive payload schema through {key}")
            return _inline_refs(copy.deepcopy(defs[key]), defs, (*seen, key))
        return {k: _inline_refs(v, defs, seen) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs, seen) for v in node]
    return node


def payload_schema(event_type: type) -> dict[str, Any]:
    raw = schema(event_type)["payload"]
    inlined: dict[str, Any] = _inline_refs(raw, raw.get("$defs", {}))
    return inlined


def _headers_schema() -> dict[str, Any]:
    envelope = json_schema(Envelope)
    properties = {k: v for k, v in envelope["properties"].items() if k != "payload"}
    return {
        "type": "object",
        "title": "Envelope",
        "description": "The envelope around every payload (sent as one JSON object with the payload).",
        "properties": properties,
        "required": [name for name in envelope.get("required", []) if name != "payload"],
    }


def _channel_id(event_name: str) -> str:
    return event_name


def document() -> dict[str, Any]:
    """The AsyncAPI document of every registered integration event and subscription; the same
    registries give the same document, byte for byte once dumped with `dumps()`."""
    by_event: dict[str, list[Subscription]] = {}
    for sub in all_subscriptions():
        by_event.setdefault(sub.event_name, []).append(sub)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name in integration_events.names():
        event_type = integration_events.get(name)
        meta = schema(event_type)
        channel = _channel_id(name)
        message_ref = {"$ref": f"#/channels/{channel}/messages/{name}"}
        messages[name] = {
            "name": name,
            "title": event_type.__name__,
            "summary": f"{name} v{meta['version']}, published by {meta['producer']}",
            "contentType": "application/json",
            "correlationId": {"location": "$message.header#/correlation_id"},
            "headers": {"$ref": "#/components/schemas/Envelope"},
            "payload": payload_schema(event_type),
            "x-kind": "event",
            "x-version": meta["version"],
            "x-producer": meta["producer"],
            "x-partition-key": meta["partitionBy"],
        }
        subs = by_event.get(name, [])
        channels[channel] = {
            "address": name,
            "title": event_type.__name__,
            "description": (
                f"Published by {meta['producer']} through the outbox; one delivery per subscribing "
                f"handler on its context's queue, partitioned by `{meta['partitionBy']}`."
            ),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "x-kind": "event",
            "x-producer": meta["producer"],
            "x-partition-key": meta["partitionBy"],
            "x-subscribers": [sub.name for sub in subs],
            "x-queues": sorted({sub.queue for sub in subs}),
        }
        operations[f"{meta['producer']}.publish.{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [message_ref],
            "summary": f"{meta['producer']} publishes {name}",
            "x-context": meta["producer"],
        }
        for sub in subs:
            operations[sub.name] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [message_ref],
                "summary": f"{sub.name} consumes {name} on queue {sub.queue}",
                "x-context": sub.name.split(".", 1)[0],
                "x-handler": sub.name,
                "x-queue": sub.queue,
                "x-ordered": sub.ordered,
                "x-order-sequence": sub.sequence,
            }
    _commands_and_replies(by_event, channels, operations, messages)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "MallBots integration events, commands and replies",
            "version": DOCUMENT_VERSION,
            "description": (
                "The published language between MallBots' bounded contexts. Each event is "
                "written to its producer's outbox in the command's transaction and delivered "
                "at least once, as one Celery task per subscribing handler on that handler's "
                "queue; an inbox makes its effects happen exactly once. Commands go to their "
                "owner's command stream (one handler) and carry a reply channel; the replies go "
                "to that channel, whose one subscriber is the saga that sent the command. "
                "Generated from the registries by `manage.py asyncapi`."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "broker": {
                "host": "redis:6379",
                "protocol": "redis",
                "description": "Celery broker (REDIS_URL / CELERY_BROKER_URL); one list per queue.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"Envelope": _headers_schema()},
        },
    }


def _reply_schema(reply_type: type) -> dict[str, Any]:
    raw = json_schema(reply_type)
    inlined: dict[str, Any] = _inline_refs(raw, raw.get("$defs", {}))
    return inlined


def _commands_and_replies(
    by_event: dict[str, list[Subscription]],
    channels: dict[str, Any],
    operations: dict[str, Any],
    messages: dict[str, Any],
) -> None:
    for name in commands.names():
        command = commands.get(name)
        meta = schema(command)
        messages[name] = {
            "name": name,
            "title": command.__name__,
            "summary": f"{name} v{meta['version']}, a command handled by {command.command_owner}",
            "contentType": "application/json",
            "correlationId": {"location": "$message.header#/correlation_id"},
            "headers": {"$ref": "#/components/schemas/Envelope"},
            "payload": payload_schema(command),
            "x-kind": "command",
            "x-version": meta["version"],
            "x-owner": command.command_owner,
            "x-partition-key": meta["partitionBy"],
        }
        handlers = by_event.get(name, [])
        channels[name] = {
            "address": command.event_producer,
            "title": command.__name__,
            "description": (
                f"A command to {command.command_owner}, on its command stream; one handler, which answers on "
                "the reply channel the command names (metadata reply_channel, saga_id, saga_step)."
            ),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "x-kind": "command",
            "x-subscribers": [sub.name for sub in handlers],
        }
        for sub in handlers:
            operations[sub.name] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{name}"},
                "messages": [{"$ref": f"#/channels/{name}/messages/{name}"}],
                "summary": f"{sub.name} handles {name} on queue {sub.queue}",
                "x-handler": sub.name,
                "x-queue": sub.queue,
            }
    for name in replies.names():
        answer = replies.get(name)
        messages[name] = {
            "name": name,
            "title": answer.__name__,
            "summary": f"{name} v{answer.reply_version}, a reply by {answer.reply_producer}",
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/Envelope"},
            "payload": _reply_schema(answer),
            "x-kind": "reply",
            "x-version": answer.reply_version,
            "x-producer": answer.reply_producer,
        }
    for subs in by_event.values():
        for sub in subs:
            if sub.decode is None or sub.event_name in commands.names():
                continue
            channel = sub.event_name
            channels[channel] = {
                "address": channel,
                "title": f"Replies to {channel.rsplit('.', 1)[0]}",
                "description": "A saga's reply channel: the answers to the commands it sent (metadata reply_type).",
                "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in replies.names()},
                "x-kind": "reply channel",
                "x-subscribers": [sub.name],
            }
            operations[sub.name] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel}"},
                "summary": f"{sub.name} handles the replies on {channel}",
                "x-handler": sub.name,
                "x-queue": sub.queue,
            }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _type_label(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        return " | ".join(_type_label(p) for p in prop["anyOf"])
    kind = prop.get("type", "any")
    if kind == "array":
        items = prop.get("items", {})
        return f"array of {items.get('title', _type_label(items)) if items.get('type') == 'object' else _type_label(items)}"
    if kind == "string" and "format" in prop:
        return f"string ({prop['format']})"
    return str(kind)


def event_docs() -> list[EventDoc]:
    """The registries as a list for people: events by name with fields and subscribers."""
    by_event: dict[str, list[Subscription]] = {}
    for sub in all_subscriptions():
        by_event.setdefault(sub.event_name, []).append(sub)
    docs = []
    for name in integration_events.names():
        event_type = integration_events.get(name)
        meta = schema(event_type)
        payload = payload_schema(event_type)
        required = set(payload.get("required", []))
        fields = [
            (field, _type_label(prop), field in required) for field, prop in payload["properties"].items()
        ]
        docs.append(
            EventDoc(
                kind="event",
                name=name,
                version=meta["version"],
                producer=meta["producer"],
                partition_by=meta["partitionBy"],
                fields=fields,
                subscribers=by_event.get(name, []),
            )
        )
    for name in commands.names():
        command = commands.get(name)
        payload = payload_schema(command)
        docs.append(
            EventDoc(
                kind="command",
                name=name,
                version=command.event_version,
                producer=command.command_owner,
                partition_by=command.partition_by,
                fields=_fields(payload),
                subscribers=by_event.get(name, []),
            )
        )
    for name in replies.names():
        answer = replies.get(name)
        docs.append(
            EventDoc(
                kind="reply",
                name=name,
                version=answer.reply_version,
                producer=answer.reply_producer,
                partition_by="",
                fields=_fields(_reply_schema(answer)),
                subscribers=[],
            )
        )
    for subs in by_event.values():
        for sub in subs:
            if sub.decode is not None and sub.event_name not in commands.names():
                docs.append(EventDoc("reply channel", sub.event_name, 1, sub.queue, "", [], [sub]))
    return docs


def _fields(payload: dict[str, Any]) -> list[tuple[str, str, bool]]:
    required = set(payload.get("required", []))
    return [
        (field, _type_label(prop), field in required) for field, prop in payload.get("properties", {}).items()
    ]
