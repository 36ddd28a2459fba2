from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from mallbots.kernel.ddd import context
from mallbots.kernel.eventstore import projections
from mallbots.kernel.eventstore.models import Event, ProjectionRun, Snapshot
from mallbots.kernel.messaging import reconcile, relay
from mallbots.kernel.messaging.models import Delivery, FailedDelivery, Stream, StreamMessage, Subscriber
from tests.kernel.conftest import NOTED, NOTED_IN_ORDER
from tests.kernelapp import services
from tests.kernelapp.models import LedgerView

pytestmark = pytest.mark.integration

MODELS = [
    ("eventstore", "event"),
    ("eventstore", "snapshot"),
    ("eventstore", "projectionrun"),
    ("messaging", "stream"),
    ("messaging", "streammessage"),
    ("messaging", "subscriber"),
    ("messaging", "delivery"),
    ("messaging", "faileddelivery"),
]


def url(app: str, model: str, view: str, *args: object) -> str:
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def every_kind_of_row(failed_delivery, settings) -> dict[str, object]:
    """One row of every model the kernel admin shows, made the way the system makes them."""
    settings.EVENTSTORE_SNAPSHOT_EVERY = {"default": 2}
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Books")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("5"))
    projections.rebuild(projections.get("kerneltest.ledgers"))
    dead = failed_delivery()
    return {
        "event": Event.objects.filter(stream_id=ledger_id).first(),
        "snapshot": Snapshot.objects.get(stream_id=ledger_id),
        "projectionrun": ProjectionRun.objects.get(),
        "stream": Stream.objects.get(name="kerneltest"),
        "streammessage": StreamMessage.objects.first(),
        "subscriber": Subscriber.objects.get(name=NOTED),
        "delivery": Delivery.objects.filter(status="pending").first(),
        "faileddelivery": dead,
    }


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_changelist_and_detail_answer_200_for_a_superuser(admin_client, every_kind_of_row, app, model):
    # given
    obj = every_kind_of_row[model]
    # when
    listing = admin_client.get(url(app, model, "changelist"))
    detail = admin_client.get(url(app, model, "change", obj.pk))
    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list).count(obj) == 1
    assert detail.status_code == 200
    assert detail.context["original"] == obj


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_rows_cannot_be_added_changed_or_deleted(admin_client, every_kind_of_row, app, model):
    # given
    obj = every_kind_of_row[model]
    # when (opening the list may itself add rows: one per registered projection without one)
    listing = admin_client.get(url(app, model, "changelist"))
    before = type(obj).objects.count()
    add = admin_client.post(url(app, model, "add"), {})
    change = admin_client.post(url(app, model, "change", obj.pk), {})
    delete = admin_client.post(url(app, model, "delete", obj.pk), {"post": "yes"})
    # then
    assert url(app, model, "add") not in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert type(obj).objects.count() == before


@pytest.mark.django_db
def test_event_detail_pretty_prints_data_and_metadata(admin_client):
    # given
    ledger_id = new_id()
    with context.use(correlation_id="corr-admin-1", actor="ann"):
        services.ledger_open(ledger_id=ledger_id, name="Books", owner="ann")
    event = Event.objects.get(stream_id=ledger_id)
    # when
    response = admin_client.get(url("eventstore", "event", "change", event.pk))
    # then
    content = response.content.decode()
    data = json.dumps({"ledger_id": ledger_id, "name": "Books", "owner": "ann"}, indent=2, sort_keys=True)
    metadata = json.dumps(
        {"actor": "ann", "causation_id": None, "correlation_id": "corr-admin-1"}, indent=2, sort_keys=True
    )
    assert f"<pre>{escape(data)}</pre>" in content
    assert f"<pre>{escape(metadata)}</pre>" in content


@pytest.mark.django_db
def test_events_are_found_by_stream_id_and_by_correlation_id(admin_client):
    # given
    first, second = new_id(), new_id()
    with context.use(correlation_id="corr-admin-2"):
        services.ledger_open(ledger_id=first, name="Books")
        services.ledger_credit(ledger_id=first, amount=Decimal("1"))
    with context.use(correlation_id="corr-admin-3"):
        services.ledger_open(ledger_id=second, name="Toys")
    changelist = url("eventstore", "event", "changelist")
    # when
    by_correlation = admin_client.get(changelist, {"q": "corr-admin-2"})
    by_stream = admin_client.get(changelist, {"q": second})
    # then
    assert [(e.stream_id, e.version) for e in by_correlation.context["cl"].result_list] == [
        (first, 2),
        (first, 1),
    ]
    assert [(e.stream_id, e.version) for e in by_stream.context["cl"].result_list] == [(second, 1)]


@pytest.mark.django_db
def test_message_changelist_filters_appended_and_in_the_outbox(admin_client, broker):
    # given
    sent_id = services.ledger_note(ledger_id=new_id(), note="gone")
    assert relay.relay_pending() == 1
    unsent_id = services.ledger_note(ledger_id=new_id(), note="waiting")
    changelist = url("messaging", "streammessage", "changelist")
    # when
    unsent = admin_client.get(changelist, {"appended": "no"})
    sent = admin_client.get(changelist, {"appended": "yes"})
    # then
    assert [str(m.message_id) for m in unsent.context["cl"].result_list] == [unsent_id]
    assert [str(m.message_id) for m in sent.context["cl"].result_list] == [sent_id]


def test_failed_delivery_detail_shows_the_error_and_links_the_message(admin_client, failed_delivery):
    # given
    dead = failed_delivery()
    message = StreamMessage.objects.get(message_id=dead.message_id)
    # when
    response = admin_client.get(url("messaging", "faileddelivery", "change", dead.pk))
    listing = admin_client.get(url("messaging", "faileddelivery", "changelist"))
    # then
    content = response.content.decode()
    assert (
        "<pre>TerminalError: planned failure 1 of &lt;b&gt;bad&lt;/b&gt;\n\nTraceback (most recent call last):\n"
        in content
    )
    assert (
        f'<a href="{url("messaging", "streammessage", "change", message.pk)}">{dead.message_id}</a>'
        in content
    )
    assert (
        '<td class="field-error">TerminalError: planned failure 1 of &lt;b&gt;bad&lt;/b&gt;</td>'
        in listing.content.decode()
    )


def test_retry_action_gives_only_the_selected_dead_letters_fresh_attempts(admin_client, failed_delivery):
    # given
    chosen = failed_delivery()
    other_dead = failed_delivery()
    retrying = failed_delivery(status=FailedDelivery.Status.RETRYING)
    # when
    response = admin_client.post(
        url("messaging", "faileddelivery", "changelist"),
        {"action": "retry_selected", "_selected_action": [chosen.pk, retrying.pk]},
    )
    # then
    assert response.status_code == 302
    assert flash(response) == [
        ("success", "Retried 1 dead letter. 1 selected row was not a dead letter and was left alone.")
    ]
    chosen.refresh_from_db()
    assert (chosen.status, chosen.attempts, chosen.due_at is not None) == ("retrying", 0, True)
    assert FailedDelivery.objects.get(pk=other_dead.pk).status == "dead"
    assert FailedDelivery.objects.get(pk=retrying.pk).attempts == 1


def test_a_retried_dead_letter_goes_to_the_handlers_queue_with_the_next_sweep(
    admin_client, failed_delivery, broker
):
    # given
    dead = failed_delivery()
    # when
    admin_client.post(
        url("messaging", "faileddelivery", "changelist"),
        {"action": "retry_selected", "_selected_action": [dead.pk]},
    )
    sent = reconcile.sweep()
    # then
    queued = [json.loads(item)["headers"]["id"] for item in broker.lrange("kerneltest", 0, -1)]
    assert (sent, queued) == (1, [f"{dead.message_id}:{NOTED}:0"])


def test_discard_action_drops_only_the_selected_dead_letters(admin_client, failed_delivery):
    # given
    chosen = failed_delivery(handler=NOTED_IN_ORDER)
    other_dead = failed_delivery()
    retrying = failed_delivery(status=FailedDelivery.Status.RETRYING)
    # when
    response = admin_client.post(
        url("messaging", "faileddelivery", "changelist"),
        {"action": "discard_selected", "_selected_action": [chosen.pk, retrying.pk]},
    )
    # then
    assert flash(response) == [
        ("success", "Discarded 1 dead letter. 1 selected row was not a dead letter and was left alone.")
    ]
    assert sorted(FailedDelivery.objects.values_list("pk", flat=True)) == sorted([other_dead.pk, retrying.pk])
    assert list(Delivery.objects.filter(status="discarded").values_list("handler", "message_id")) == [
        (NOTED_IN_ORDER, chosen.message_id)
    ]


def test_an_action_on_rows_that_are_not_dead_letters_changes_nothing(admin_client, failed_delivery):
    # given
    held = failed_delivery(status=FailedDelivery.Status.HELD)
    # when
    response = admin_client.post(
        url("messaging", "faileddelivery", "changelist"),
        {"action": "discard_selected", "_selected_action": [held.pk]},
    )
    # then
    assert flash(response) == [
        ("warning", "Discarded 0 dead letters. 1 selected row was not a dead letter and was left alone.")
    ]
    assert FailedDelivery.objects.get().status == "held"
    assert Delivery.objects.filter(status="discarded").count() == 0


def test_staff_with_the_view_permission_see_dead_letters_but_cannot_act(client: Client, failed_delivery):
    # given
    dead = failed_delivery()
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_faileddelivery"))
    client.force_login(staff)
    changelist = url("messaging", "faileddelivery", "changelist")
    # when
    listing = client.get(changelist)
    detail = client.get(url("messaging", "faileddelivery", "change", dead.pk))
    client.post(changelist, {"action": "discard_selected", "_selected_action": [dead.pk]})
    # then
    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "discard_selected" not in listing.content.decode()
    assert FailedDelivery.objects.get().status == "dead"
    assert Delivery.objects.filter(status="discarded").count() == 0


@pytest.mark.django_db
def test_projection_changelist_lists_every_registered_projection(admin_client):
    # given
    assert ProjectionRun.objects.count() == 0
    # when
    response = admin_client.get(url("eventstore", "projectionrun", "changelist"))
    # then
    assert sorted(r.name for r in response.context["cl"].result_list) == sorted(projections.registered())
    assert "kerneltest.Ledger" in response.content.decode()


@pytest.mark.django_db
def test_rebuild_action_restores_a_deleted_read_model_row(admin_client):
    # given
    ledger_id = new_id()
    services.ledger_open(ledger_id=ledger_id, name="Books")
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("2.50"))
    services.ledger_credit(ledger_id=ledger_id, amount=Decimal("4.00"))
    LedgerView.objects.filter(id=ledger_id).delete()
    admin_client.get(url("eventstore", "projectionrun", "changelist"))
    run = ProjectionRun.objects.get(name="kerneltest.ledgers")
    # when
    response = admin_client.post(
        url("eventstore", "projectionrun", "changelist"),
        {"action": "rebuild_selected", "_selected_action": [run.pk]},
    )
    # then
    view = LedgerView.objects.get(id=ledger_id)
    assert (view.name, view.balance, view.entries, view.version) == ("Books", Decimal("6.50"), 2, 3)
    run.refresh_from_db()
    assert (run.streams_rebuilt, run.events_replayed) == (1, 3)
    assert run.head_position == Event.objects.latest("position").position
    assert run.last_rebuild_finished_at >= run.last_rebuild_started_at
    [(level, message)] = flash(response)
    assert level == "success"
    assert message.startswith("Rebuilt kerneltest.ledgers: 1 stream, 3 events replayed in ")


@pytest.mark.django_db
def test_replaying_a_subscriber_asks_for_confirmation_with_what_will_happen(admin_client, settings):
    # given a subscriber that handled one message and missed nothing
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    ledger_id = new_id()
    message_id = services.ledger_note(ledger_id=ledger_id, note="one")
    relay.append_batch("kerneltest")
    Delivery.objects.filter(handler=NOTED, message_id=message_id).update(status="handled", due_at=None)
    page = url("messaging", "subscriber", "replay", NOTED)
    # when staff choose "from the earliest"
    first = admin_client.post(page, {"start": "earliest"})
    # then nothing changed yet, and the page says what a replay would do
    assert first.status_code == 200
    assert (
        "1 messages, 0 to deliver, 0 not handled yet to send again, 1 handled already"
        in first.content.decode()
    )
    assert Subscriber.objects.get(name=NOTED).state == "live"
    # when they confirm
    second = admin_client.post(page, {"start": "earliest", "confirmed": "on"})
    # then it is catching up, and says so
    assert second.status_code == 302
    assert Subscriber.objects.get(name=NOTED).state == "catching_up"
    assert flash(second) == [
        (
            "success",
            f"{NOTED} catching up from earliest: 0 messages to deliver; the catch-up runs in the background.",
        )
    ]


def test_only_staff_who_may_change_subscribers_can_replay(client: Client, db):
    staff = User.objects.create_user("viewer", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    client.force_login(staff)
    response = client.post(
        url("messaging", "subscriber", "replay", NOTED), {"start": "earliest", "confirmed": "on"}
    )
    assert response.status_code == 403
    assert Subscriber.objects.get(name=NOTED).state == "live"
