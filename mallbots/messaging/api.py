"""What contexts use from the messaging kernel."""

from . import metrics
from .consumer import TerminalError
from .envelope import Envelope
from .events import IntegrationEvent, integration_events, integration_upcaster
from .publish import publish
from .registry import subscribe

__all__ = [
    "Envelope",
    "IntegrationEvent",
    "TerminalError",
    "integration_events",
    "integration_upcaster",
    "metrics",
    "publish",
    "subscribe",
]
