"""The replies every command handler may give (mallbots.kernel.messaging.commands), checked
against what each saga reads of them (tests/test_contracts.py)."""

from mallbots.kernel.messaging.api import Failed, Succeeded

EXAMPLES = [Succeeded(), Failed(reason="the payment is smaller than the order total")]
