"""Dataclass <-> JSON-friendly dict, driven by the type hints (Decimal as a string, UUIDs,
datetimes, nested dataclasses, tuples). Validation on the way in rejects bad payloads
instead of building half-valid events."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")

__all__ = ["ValidationError", "dump", "from_data", "json_schema", "load", "to_data"]


_adapters: dict[Any, TypeAdapter[Any]] = {}


def _adapter(tp: Any) -> TypeAdapter[Any]:
    # Building an adapter costs about a millisecond; using one, microseconds.
    adapter = _adapters.get(tp)
    if adapter is None:
        adapter = _adapters[tp] = TypeAdapter(tp)
    return adapter


def to_data(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = dump(type(obj), obj)
    return data


def from_data(cls: type[T], data: dict[str, Any]) -> T:
    result: T = load(cls, data)
    return result


def dump(tp: Any, value: Any) -> Any:
    """`value`, of type `tp` (any type hint: `tuple[Item, ...]`, an enum, Decimal), in its
    JSON-friendly form."""
    return _adapter(tp).dump_python(value, mode="json")


def load(tp: Any, data: Any) -> Any:
    """The value of type `tp` that `data` (the form `dump` gives) stands for, validated."""
    return _adapter(tp).validate_python(data)


def json_schema(cls: type) -> dict[str, Any]:
    schema: dict[str, Any] = _adapter(cls).json_schema(mode="serialization")
    return schema
