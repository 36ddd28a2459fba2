"""What contexts use of the saga engine."""

from .engine import Saga, Step, start
from .models import SagaInstance


def find_instance(name: str, saga_id: str) -> SagaInstance | None:
    """The run of saga `name` with this id, if it started."""
    return SagaInstance.objects.filter(name=name, saga_id=saga_id).first()


__all__ = ["Saga", "SagaInstance", "Step", "find_instance", "start"]
