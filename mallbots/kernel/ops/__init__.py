"""Operations over the whole kernel: health (readiness apart from progress), the /metrics
endpoint, and the correlation timeline of an order (its stored events and its messages).
It stands above the event store and the messaging kernel; nothing in the kernel imports it."""
