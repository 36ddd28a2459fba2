"""The saga engine with real workers: a worker killed in the middle of a saga."""

from __future__ import annotations

import uuid

import pytest

from mallbots.kernel.sagas.models import SagaInstance
from tests.conftest import wait_until
from tests.kernelapp import services
from tests.kernelapp.models import HandledEffect

pytestmark = [pytest.mark.integration, pytest.mark.fault, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_in_the_middle_of_a_saga_leaves_it_to_the_next_one(start_worker, broker):
    # given a saga whose charge is being handled by a worker
    victim = start_worker(queues="kerneltest", concurrency=1, beat=False)
    transfer_id = str(uuid.uuid4())
    services.transfer_start(transfer_id=transfer_id, plan="slow-charge")
    wait_until(lambda: broker.get(f"kerneltest:charging:{transfer_id}") is not None, timeout=30)
    # when that worker dies, and another starts
    victim.kill()
    start_worker(queues="kerneltest,messaging", concurrency=2, beat=True)
    # then the saga completes, and the charge took effect once
    wait_until(lambda: SagaInstance.objects.get(saga_id=transfer_id).status == "completed", timeout=60)
    done = list(
        HandledEffect.objects.filter(key=transfer_id).order_by("created").values_list("value", flat=True)
    )
    assert [v.split(" ")[0] for v in done] == ["reserved", "charged", "approved"]
    assert int(broker.get(f"kerneltest:charging:{transfer_id}")) == 2  # it really ran twice
