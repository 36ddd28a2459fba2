"""What contexts use of the saga engine."""

from .engine import Saga, Step, start
from .models import SagaInstance

__all__ = ["Saga", "SagaInstance", "Step", "start"]
