"""Commands and replies: the other two kinds of message beside integration events (queries
are the open-host functions of each context's contracts.py).

A **command** asks one context to do something; it has exactly one handler, the owner's. It
travels like every message (written in the sender's transaction, the owner's command stream
`<owner>.commands`, a delivery row, the inbox, retries, dead letters, reconciliation) and
carries the saga's reply channel, its id, its name and the step it belongs to. Declared in the
owner's contracts.py:

    @dataclass(frozen=True)
    class AuthorizeCustomer(Command, name="customersapi.AuthorizeCustomer", version=1, owner="customers",
                            partition_by="order_id"):
        customer_id: str
        order_id: str

The owner registers its handler with `handle_command(AuthorizeCustomer, fn, name=..., queue=...)`.
`fn(command, envelope)` returns a reply (None means `Succeeded()`) or raises a domain error,
which becomes `Failed(reason=<its message>)`: a refusal is an answer, not a dead letter. The
reply is written, in the handler's own transaction, to the reply channel the command named:
a stream of its own, whose one subscriber is the sender's reply handler
(`subscribe_replies`). A reply names its type in its metadata (`reply_type`); replies with a
payload are declared like commands (`class CreatedShoppingList(Reply, name=..., producer=...)`).

Rules for what cannot be handled: a command nobody in this process handles is retried with
backoff, then a dead letter (a worker on newer code may know it); a reply of an unknown type is
a dead letter; a reply for a saga that is unknown, finished, or past the step it answers is
a logged no-op of the saga engine (mallbots.kernel.sagas)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from django.db import transaction

from mallbots.kernel.ddd import DomainError
from mallbots.kernel.ddd.events import EventTypeRegistry
from mallbots.kernel.ddd.serde import from_data, to_data

from .envelope import Envelope
from .events import IntegrationEvent
from .publish import write_message
from .registry import Subscription, subscribe

commands: EventTypeRegistry[Command] = EventTypeRegistry("command")
replies: EventTypeRegistry[Reply] = EventTypeRegistry("reply")

# The metadata a command carries and its reply copies back.
SAGA_KEYS = ("reply_channel", "saga_id", "saga_name", "saga_step", "saga_compensating")


class Command(IntegrationEvent):
    """A request to one context. Its stream is the owner's command stream."""

    command_owner: ClassVar[str]

    def __init_subclass__(
        cls, *, name: str | None = None, version: int = 1, owner: str | None = None, **kwargs: Any
    ) -> None:
        # Not an integration event: registered in the commands' registry, not the events'.
        super(IntegrationEvent, cls).__init_subclass__()
        if kwargs.get("partition_by"):
            cls.partition_by = kwargs["partition_by"]
        if name is None:
            return
        if owner is None:
            raise TypeError(f"{cls.__qualname__}: a command needs owner=")
        cls.event_name, cls.event_version, cls.command_owner = name, version, owner
        cls.event_producer = f"{owner}.commands"
        commands.add(name, cls)


class Reply:
    """An answer to a command: a success, with or without a payload, or a failure."""

    reply_name: ClassVar[str]
    reply_version: ClassVar[int] = 1
    reply_producer: ClassVar[str]
    failed: ClassVar[bool] = False

    def __init_subclass__(
        cls, *, name: str | None = None, version: int = 1, producer: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if name is None:
            return
        if producer is None:
            raise TypeError(f"{cls.__qualname__}: a reply needs producer=")
        cls.reply_name, cls.reply_version, cls.reply_producer = name, version, producer
        replies.add(name, cls)


@dataclass(frozen=True)
class Succeeded(Reply, name="am.Success", producer="kernel"):
    """The command was carried out; nothing more to say."""


@dataclass(frozen=True)
class Failed(Reply, name="am.Failure", producer="kernel"):
    """The command was refused, with the reason."""

    reason: str
    failed: ClassVar[bool] = True


def send(
    command: Command, *, reply_channel: str, saga_id: str, saga_name: str, step: int, compensating: bool
) -> str:
    """Write `command` to its owner's command stream in the caller's transaction, with where
    to answer. Returns its message id."""
    return write_message(
        name=command.event_name,
        version=command.event_version,
        stream=command.event_producer,
        partition_key=command.partition_key(),
        payload=to_data(command),
        metadata={
            "reply_channel": reply_channel,
            "saga_id": saga_id,
            "saga_name": saga_name,
            "saga_step": step,
            "saga_compensating": compensating,
        },
    )


def reply(answer: Reply, *, to: Envelope) -> str:
    """Write `answer` to the reply channel the command `to` named, in the caller's transaction
    (the command handler's)."""
    saga = {key: to.metadata[key] for key in SAGA_KEYS if key in to.metadata}
    channel = saga["reply_channel"]
    return write_message(
        name=channel,
        version=answer.reply_version,
        stream=channel,
        partition_key=to.partition_key,
        payload=to_data(answer),
        metadata={**saga, "reply_type": answer.reply_name, "command": to.name, "command_id": to.id},
    )


CommandHandler = Callable[[Any, Envelope], Reply | None]
ReplyHandler = Callable[[Reply, Envelope], None]


def _decode_command(envelope: Envelope) -> Any:
    cls = commands.get(envelope.name)
    return from_data(cls, commands.upcast(envelope.name, envelope.version, envelope.payload))


def _decode_reply(envelope: Envelope) -> Reply:
    name = envelope.metadata.get("reply_type", "")
    cls = replies.get(name)
    decoded: Reply = from_data(cls, replies.upcast(name, envelope.version, envelope.payload))
    return decoded


def handle_command(
    command_type: type[Command],
    fn: CommandHandler,
    *,
    name: str,
    queue: str,
    order_group: str | None = None,
) -> Subscription:
    """Make `fn` the one handler of `command_type`. Commands about one partition (an order)
    are handled in the order they were sent, across the owner's command handlers
    (`order_group`, by default `<queue>.commands`)."""

    def handler(command: Any, envelope: Envelope) -> None:
        try:
            with transaction.atomic():  # a refusal undoes what the handler had begun
                answer = fn(command, envelope) or Succeeded()
        except DomainError as refusal:
            answer = Failed(reason=refusal.message)
        reply(answer, to=envelope)

    return subscribe(
        command_type,
        handler,
        name=name,
        queue=queue,
        order_group=order_group or f"{queue}.commands",
        decode=_decode_command,
    )


def handle_commands(
    handlers: ModuleType,
    commands: Mapping[str, type[Command]],
    *,
    queue: str,
    order_group: str | None = None,
) -> list[Subscription]:
    """`handle_command` for each `handlers.<name>`, as the handler `<queue>.<name>`, like
    `subscribe_handlers`:

        handle_commands(handlers, queue="depot", order_group="depot.orders", commands={
            "create_shopping_list": contracts.CreateShoppingList,
        })"""
    return [
        handle_command(
            command_type,
            getattr(handlers, name),
            name=f"{queue}.{name}",
            queue=queue,
            order_group=order_group,
        )
        for name, command_type in commands.items()
    ]


@dataclass(frozen=True)
class ReplyChannel:
    """What the registry needs of a reply channel: its name is its stream's and its messages'."""

    name: str

    @property
    def event_type(self) -> type[IntegrationEvent]:
        channel = self.name
        return type(
            "Replies",
            (IntegrationEvent,),
            {"event_name": channel, "event_producer": channel, "event_version": 1},
        )


def subscribe_replies(channel: str, fn: ReplyHandler, *, name: str, queue: str) -> Subscription:
    """Make `fn(reply, envelope)` the handler of the replies written to `channel`."""
    return subscribe(
        ReplyChannel(channel).event_type, fn, name=name, queue=queue, ordered=True, decode=_decode_reply
    )


def declared_replies() -> list[type[Reply]]:
    return [replies.get(name) for name in replies.names()]


def declared_commands() -> list[type[Command]]:
    return [commands.get(name) for name in commands.names()]
