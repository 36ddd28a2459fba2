"""Consumer-driven contract tests: Pact's idea, without a broker.

A consumer context states, in `tests/<consumer>/contract_expectations.py`, the fields it reads
from every integration event it consumes:

    CONSUMER = "baskets"
    EXPECTATIONS = {
        "storesapi.ProductAdded": {"id": "string", "store_id": "string", "price": "decimal"},
        "basketsapi.BasketCheckedOut": {"items[].quantity": "integer"},
    }

A producer lists, in `tests/<producer>/contract_examples.py`, one example of each event it
publishes (`EXAMPLES = [ProductAdded(...), ...]`). tests/test_contracts.py checks every
example against every expectation, so a producer change that would break a consumer fails in
the producer's tests. Types are JSON types of the wire payload: string, decimal (a string
holding a number), integer, number, boolean, array, object."""

from __future__ import annotations

import importlib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent


def _modules(filename: str) -> list[Any]:
    return [
        importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        for path in sorted(TESTS.glob(f"*/{filename}.py"))
    ]


def expectation_modules() -> list[Any]:
    return _modules("contract_expectations")


def example_modules() -> list[Any]:
    return _modules("contract_examples")


def _is(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "decimal":
        if not isinstance(value, str):
            return False
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return True
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError(f"unknown expected type {kind!r}")


def _values(payload: Any, path: str) -> list[Any] | None:
    """All values at a path like `items[].price`; None when a step is missing."""
    values = [payload]
    for step in path.split("."):
        many = step.endswith("[]")
        key = step[:-2] if many else step
        found: list[Any] = []
        for value in values:
            if not isinstance(value, dict) or key not in value:
                return None
            item = value[key]
            if many:
                if not isinstance(item, list):
                    return None
                found.extend(item)
            else:
                found.append(item)
        values = found
    return values


def problems(payload: dict[str, Any], expected: dict[str, str]) -> list[str]:
    """What in `payload` breaks the expected fields; empty when it satisfies them."""
    out = []
    for path, kind in expected.items():
        values = _values(payload, path)
        if values is None:
            out.append(f"missing field {path}")
        elif not values and path.count("[]"):
            out.append(f"no element to check for {path} (give the example at least one)")
        else:
            out += [f"{path} should be {kind}, is {value!r}" for value in values if not _is(kind, value)]
    return out
