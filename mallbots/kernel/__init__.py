"""The kernel every bounded context stands on: ddd (pure building blocks), uow (a command's unit of
work), web (HTTP and admin building blocks), eventstore and messaging (siblings), ops (health,
metrics and the correlation timeline over both). It imports no context."""
