"""`benchmark saga`: what the create-order saga (docs/saga.md) costs end to end, in each way
it can run (MALLBOTS_SAGA: choreography, orchestration), next to what raw Celery does on the
same broker and the same worker, measured in the same run.

The command starts one Celery worker of its own at a time (every queue of the settings,
concurrency 2, with beat), one per mode with MALLBOTS_SAGA set to it, and stops it at the end,
also after a failure or Ctrl-C. Then:

1. raw chain latency: a task that sends the next hop to the next queue, as many hops as each
   mode's critical path from checkout to approval (6 in choreography, 9 in orchestration);
2. raw task rate: how many no-op tasks per second the worker runs;
3. it seeds a benchmark mall through the contexts' services (a store, products, a bot,
   customers and their payments; every name starts with the run's id);
4. per mode, saga latency at a light steady rate: basket start + add item + checkout through
   the baskets services in this process, timed from the checkout's commit until the ordering
   read model says the order is approved;
5. per mode, sustained throughput: many checkouts at once, timed until every order is
   approved, set against what the raw task rate allows for the Celery tasks one order needs.

It removes its outbox and inbox rows, its Redis keys and any of its tasks still queued; the
contexts' data (store, products, customers, payments, baskets, orders, sagas, shopping lists)
stays, named with the run id.

- `results`: what is measured; `mall`: the seeded mall and its checkouts; `run`: the phases;
  `report`: the figures side by side (`..cleanup` removes the run's messages and keys)."""

from .results import MODES, Options
from .run import SagaBenchmark

__all__ = ["MODES", "Options", "SagaBenchmark"]
