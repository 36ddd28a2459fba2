"""The back office's saga instances: where each run is, which way it goes, its commands and
replies, and the filters for stuck and compensating runs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from mallbots.kernel.sagas.models import SagaInstance
from tests.kernel.sagas.test_engine import drive, run
from tests.kernelapp import services

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def relay_off(settings):
    settings.MESSAGING_RELAY_ON_COMMIT = "off"


def url(view: str, *args: object) -> str:
    return reverse(f"admin:sagas_sagainstance_{view}", args=args)


def listed(client, **query) -> list[str]:
    response = client.get(url("changelist"), query)
    assert response.status_code == 200
    return sorted(row.saga_id for row in response.context["cl"].result_list)


def waiting() -> str:
    """A transfer whose first command has not been answered."""
    transfer_id = str(uuid.uuid4())
    services.transfer_start(transfer_id=transfer_id)
    return transfer_id


def test_a_finished_run_shows_its_steps_and_every_command_and_reply(admin_client):
    # given a transfer refused at its charge, compensated
    _, saga = run("fail-charge")
    # when
    page = admin_client.get(url("change", saga.pk)).content.decode()
    # then its steps, its outcome and what it sent and received, in order, with the refusal's reason
    assert "compensated" in page and "the card was declined" in page
    for step in ("open", "reserve", "charge", "approve"):
        assert f"<td>{step}</td>" in page
    sent = [
        ("command", "kerneltestapi.Reserve", "1"),
        ("reply", "kerneltestapi.Reserved", "1"),
        ("command", "kerneltestapi.Charge", "2"),
        ("reply", "am.Failure", "2"),
        ("command", "kerneltestapi.Release", "1 (compensating)"),
        ("reply", "am.Success", "1 (compensating)"),
    ]
    at = 0
    for kind, name, step in sent:
        at = page.index(f"<td>{kind}</td><td>{name}</td><td>{step}</td><td>handled</td>", at)


def test_the_filters_find_running_compensating_stuck_and_finished_runs(admin_client):
    # given one run of each kind
    done, _ = run()
    forward = waiting()
    stuck = waiting()
    SagaInstance.objects.filter(saga_id=stuck).update(step_deadline=timezone.now() - timedelta(seconds=1))
    compensating = waiting()
    SagaInstance.objects.filter(saga_id=compensating).update(compensating=True)
    # then
    assert listed(admin_client, state="finished") == [done]
    assert listed(admin_client, state="forward") == sorted([forward, stuck])
    assert listed(admin_client, state="stuck") == [stuck]
    assert listed(admin_client, state="compensating") == [compensating]
    assert listed(admin_client, q=forward) == [forward]


def test_the_list_shows_each_runs_step_and_direction(admin_client):
    # given a run waiting for its reserve
    transfer_id = waiting()
    # when
    page = admin_client.get(url("changelist")).content.decode()
    # then
    assert f'title="{transfer_id}"' in page
    assert '<td class="field-current_step">1: reserve</td>' in page
    assert '<td class="field-direction">forward</td>' in page
    # and once it ran to its end
    drive()
    page = admin_client.get(url("changelist")).content.decode()
    assert 'field-status">Completed<' in page


def test_auditors_see_saga_instances_and_nobody_changes_them(client):
    # given an auditor and a run
    user = User.objects.create_user("audrey", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="auditors"))
    client.force_login(user)
    _, saga = run()
    # then
    assert client.get(url("change", saga.pk)).status_code == 200
    assert client.post(url("change", saga.pk), {"status": "running"}).status_code == 403
    assert client.get(url("delete", saga.pk)).status_code == 403
    assert SagaInstance.objects.get(pk=saga.pk).status == "completed"
