"""A kiosk in the mall as a client of the API: a customer starts a basket, adds products, checks
out with a payment, and watches the order the checkout became. The smallest real consumer of
the basket and order operations; its pact (docs/pacts/kiosk-mallbots-api.json) says which
fields it reads, so the provider's tests fail before a change of the API breaks a kiosk."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests


class Refused(Exception):
    """The API refused the request; `str()` is its message, shown to the customer as it is."""


@dataclass(frozen=True)
class Line:
    product_name: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class Order:
    id: str
    status: str
    total: Decimal
    lines: tuple[Line, ...]


class Kiosk:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def start_basket(self, customer_id: str) -> str:
        return str(self._call("POST", "/api/baskets", {"customerId": customer_id})["id"])

    def add_item(self, basket_id: str, product_id: str, quantity: int) -> None:
        self._call(
            "PUT", f"/api/baskets/{basket_id}/addItem", {"productId": product_id, "quantity": quantity}
        )

    def checkout(self, basket_id: str, payment_id: str) -> None:
        self._call("PUT", f"/api/baskets/{basket_id}/checkout", {"paymentId": payment_id})

    def order(self, order_id: str) -> Order:
        """The order a checkout became (its id is the basket's)."""
        order = self._call("GET", f"/api/ordering/{order_id}")["order"]
        lines = tuple(
            Line(item["productName"], item["quantity"], Decimal(str(item["price"])))
            for item in order["items"]
        )
        return Order(order["id"], order["status"], Decimal(str(order["total"])), lines)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.session.request(method, f"{self.base_url}{path}", json=body, timeout=10)
        if 400 <= response.status_code < 500:
            raise Refused(response.json()["message"])
        response.raise_for_status()
        return response.json()
