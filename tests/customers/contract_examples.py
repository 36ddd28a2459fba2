"""One example of every integration event the customers context publishes."""

from apps.customers.contracts import (
    CustomerAuthorizationFailed,
    CustomerAuthorized,
    CustomerDisabled,
    CustomerEnabled,
    CustomerRegistered,
    CustomerSmsChanged,
)

CUSTOMER_ID = "2b1d8a51-0f3c-4a8e-9a3e-5a4f0e6d7c21"

EXAMPLES = [
    CustomerRegistered(id=CUSTOMER_ID, name="Ada Lovelace", sms_number="555-555-1212"),
    CustomerSmsChanged(id=CUSTOMER_ID, sms_number="+1 (555) 555-0199"),
    CustomerEnabled(id=CUSTOMER_ID),
    CustomerDisabled(id=CUSTOMER_ID),
    CustomerAuthorized(id=CUSTOMER_ID, order_id="9d0c1f3e-52a4-4c55-8f0e-6a0b1c2d3e4f"),
    CustomerAuthorizationFailed(
        id=CUSTOMER_ID, order_id="9d0c1f3e-52a4-4c55-8f0e-6a0b1c2d3e4f", reason="customer is not authorized"
    ),
]
