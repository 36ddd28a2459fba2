"""The MallBots REST API as busywork's simulated people call it: over HTTP, with a token, one
`requests.Session` per thread (sessions are not thread-safe). Every failure, whatever its kind
(an answer other than 2xx, a timeout, a refused connection, a body that is not JSON), is an
ApiError whose message names the operation and not the ids, so equal failures count as one."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import requests

REQUEST_TIMEOUT_SECONDS = 10.0


class ApiError(Exception):
    """A call that failed; `str()` is the message the summary shows. `transient`: no answer or
    an answer that a later try may not repeat (5xx, 409 concurrency conflict)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class MallApi:
    def __init__(self, base_url: str, token: str, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def close(self) -> None:
        self.session.close()

    # --- stores -------------------------------------------------------------------------

    def participating_stores(self) -> list[dict[str, Any]]:
        return self._call("GET", "stores/participating", "GET /api/stores/participating")["stores"]

    def catalog(self, store_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"stores/{store_id}/products", "GET /api/stores/{id}/products")["products"]

    # --- payments -----------------------------------------------------------------------

    def payment_authorize(self, customer_id: str, amount: Decimal) -> str:
        body = {"customerId": customer_id, "amount": amount}
        return self._call("POST", "payments", "POST /api/payments", body)["id"]

    def invoice(self, order_id: str) -> dict[str, Any] | None:
        """The order's invoice, None while it does not exist yet."""
        answer = self._call(
            "GET", f"payments/invoices/{order_id}", "GET /api/payments/invoices/{id}", missing_ok=True
        )
        return None if answer is None else answer["invoice"]

    def invoice_pay(self, order_id: str) -> None:
        self._call("PUT", f"payments/invoices/{order_id}/pay", "PUT /api/payments/invoices/{id}/pay", {})

    # --- baskets ------------------------------------------------------------------------

    def basket_start(self, customer_id: str) -> str:
        return self._call("POST", "baskets", "POST /api/baskets", {"customerId": customer_id})["id"]

    def basket_add_item(self, basket_id: str, product_id: str, quantity: int) -> None:
        body = {"productId": product_id, "quantity": quantity}
        self._call("PUT", f"baskets/{basket_id}/addItem", "PUT /api/baskets/{id}/addItem", body)

    def basket_checkout(self, basket_id: str, payment_id: str) -> None:
        body = {"paymentId": payment_id}
        self._call("PUT", f"baskets/{basket_id}/checkout", "PUT /api/baskets/{id}/checkout", body)

    # --- ordering -----------------------------------------------------------------------

    def order(self, order_id: str) -> dict[str, Any] | None:
        """The order, None while the saga has not created it yet."""
        answer = self._call("GET", f"ordering/{order_id}", "GET /api/ordering/{id}", missing_ok=True)
        return None if answer is None else answer["order"]

    def order_cancel(self, order_id: str) -> None:
        self._call("DELETE", f"ordering/{order_id}", "DELETE /api/ordering/{id}")

    # --- depot --------------------------------------------------------------------------

    def shopping_lists_of_order(self, order_id: str) -> list[dict[str, Any]]:
        path = f"depot/shopping?orderId={order_id}"
        return self._call("GET", path, "GET /api/depot/shopping?orderId=")["shoppingLists"]

    def bots(self) -> list[dict[str, Any]]:
        return self._call("GET", "depot/bots", "GET /api/depot/bots")["bots"]

    def shopping_list_assign(self, shopping_list_id: str, bot_id: str) -> None:
        path = f"depot/shopping/{shopping_list_id}/assign"
        self._call("PUT", path, "PUT /api/depot/shopping/{id}/assign", {"botId": bot_id})

    def shopping_list_complete(self, shopping_list_id: str) -> None:
        path = f"depot/shopping/{shopping_list_id}/complete"
        self._call("PUT", path, "PUT /api/depot/shopping/{id}/complete", {})

    # --- the wire -----------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        body: dict[str, Any] | None = None,
        *,
        missing_ok: bool = False,
    ) -> Any:
        """The answer's JSON (money as Decimal); None for a 404 when `missing_ok`."""
        try:
            response = self.session.request(
                method,
                f"{self.base_url}/api/{path}",
                data=None if body is None else _dumps(body),
                headers=None if body is None else {"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise ApiError(f"{operation}: no answer within {self.timeout:g}s", transient=True)
        except requests.ConnectionError as error:
            raise ApiError(f"{operation}: connection failed ({_reason(error)})", transient=True)
        except requests.RequestException as error:
            raise ApiError(f"{operation}: {type(error).__name__}", transient=True)
        if missing_ok and response.status_code == 404:
            return None
        if not 200 <= response.status_code < 300:
            raise ApiError(
                f"{operation}: HTTP {response.status_code} {_error_message(response)}".rstrip(),
                transient=response.status_code >= 500 or response.status_code == 409,
            )
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise ApiError(f"{operation}: HTTP {response.status_code} with a body that is not JSON")


def _dumps(body: dict[str, Any]) -> str:
    # Money goes out as a JSON number with its two decimals, exactly as the Decimal holds it.
    def number(value: Any) -> Any:
        if isinstance(value, Decimal):
            return float(value)  # shortest repr of a two-decimal float prints the same digits
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    return json.dumps(body, default=number)


def _error_message(response: requests.Response) -> str:
    """The API's `message` ({"code","message","details"}), else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip().splitlines()[0][:120] if response.text.strip() else ""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return json.dumps(body)[:120]


def _reason(error: requests.ConnectionError) -> str:
    """The innermost cause in a few words ("Connection refused"), without host or port."""
    cause: BaseException = error
    for _ in range(10):  # a bounded walk: exception chains can loop
        inner = cause.__cause__ or cause.__context__
        if inner is None:
            break
        cause = inner
    text = str(cause)
    return text.split("] ")[-1] if "] " in text else type(cause).__name__
