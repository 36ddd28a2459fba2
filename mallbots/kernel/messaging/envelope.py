from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Envelope:
    """What travels with every integration message."""

    id: str  # message id: stable across redeliveries, the inbox key
    name: str
    version: int
    partition_key: str  # the aggregate id: per-key order is kept for handlers that ask for it
    position: int  # global position in the log of every stream
    correlation_id: str
    causation_id: str | None
    occurred_at: str  # ISO 8601
    producer: str
    payload: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    stream_position: int | None = None  # its place in the producer's stream

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        return cls(**data)
