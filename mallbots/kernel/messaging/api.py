"""What contexts, the web layer and the back office use from the messaging kernel."""

from . import metrics
from .catchup import replay_here
from .commands import (
    Command,
    Failed,
    Reply,
    Succeeded,
    handle_command,
    handle_commands,
    reply,
    send,
    subscribe_replies,
)
from .envelope import Envelope
from .events import IntegrationEvent, integration_events, integration_upcaster
from .failures import TerminalError
from .progress import Progress, progress
from .publish import publish
from .reconcile import recovery_seconds
from .registry import subscribe, subscribe_handlers
from .retention import coverage as stream_coverage
from .transport import queue_backlog

__all__ = [
    "Command",
    "Envelope",
    "Failed",
    "IntegrationEvent",
    "Progress",
    "Reply",
    "Succeeded",
    "TerminalError",
    "handle_command",
    "handle_commands",
    "integration_events",
    "integration_upcaster",
    "metrics",
    "progress",
    "publish",
    "queue_backlog",
    "recovery_seconds",
    "replay_here",
    "reply",
    "send",
    "stream_coverage",
    "subscribe",
    "subscribe_handlers",
    "subscribe_replies",
]
