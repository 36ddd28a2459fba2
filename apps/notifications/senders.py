"""Where SMS go. `settings.NOTIFICATIONS_SMS_SENDER` names a class whose instances have
`send(number, text)`: `ConsoleSender` (the default) writes one log line per SMS,
`MemorySender` (the test settings) keeps them in this process's memory. A real SMS gateway is
one more class here, selected by the setting."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, number: str, text: str) -> None:
        """Hand the SMS over, or raise: the notification is then rolled back and retried."""


class ConsoleSender:
    def send(self, number: str, text: str) -> None:
        logger.info("SMS to %s: %s", number, text)


@dataclass(frozen=True)
class Sms:
    number: str
    text: str


_sent: list[Sms] = []
_lock = threading.Lock()


class MemorySender:
    """Keeps every SMS sent by this process, in order (module-level, shared by all instances)."""

    def send(self, number: str, text: str) -> None:
        with _lock:
            _sent.append(Sms(number, text))

    @staticmethod
    def sent() -> list[Sms]:
        with _lock:
            return list(_sent)

    @staticmethod
    def clear() -> None:
        with _lock:
            _sent.clear()


def get_sender() -> SmsSender:
    """A sender of the configured class (read at each call, so a changed setting applies)."""
    sender: SmsSender = import_string(settings.NOTIFICATIONS_SMS_SENDER)()
    return sender
