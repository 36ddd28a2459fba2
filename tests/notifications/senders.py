"""Senders the tests select through settings.NOTIFICATIONS_SMS_SENDER."""

from __future__ import annotations

import threading

from apps.notifications.senders import MemorySender


class FailingSender:
    def send(self, number: str, text: str) -> None:
        raise RuntimeError("the SMS gateway is down")


class Gate:
    """Holds the first sender call inside its transaction until the test opens the gate."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail = False


gate = Gate()


class GatedSender:
    """The first call waits at the gate (then sends, or fails when `gate.fail`); later calls
    send at once. Every SMS sent lands in MemorySender."""

    def send(self, number: str, text: str) -> None:
        if not gate.entered.is_set():
            gate.entered.set()
            if not gate.release.wait(20):
                raise RuntimeError("the gate was never opened")
            if gate.fail:
                raise RuntimeError("the SMS gateway is down")
        MemorySender().send(number, text)
