from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mallbots.kernel.eventstore.models import Event
from mallbots.kernel.messaging import consumer, failures
from mallbots.kernel.messaging.failures import Outcome
from mallbots.kernel.messaging.models import Delivery, StreamMessage
from tests.kernel.messaging.helpers import deliveries_of
from tests.kernelapp import services

pytestmark = [pytest.mark.integration, pytest.mark.urls("tests.kernelapp.urls")]


@pytest.fixture
def client_with_token(db) -> APIClient:
    user = User.objects.create_user("kiosk-1", password="x")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.django_db
def test_anonymous_requests_get_401_with_the_error_body():
    response = APIClient().post("/api/kerneltest/ledgers", {"id": "a", "name": "A"}, format="json")
    assert response.status_code == 401
    assert response.json() == {
        "code": 16,
        "message": "Authentication credentials were not provided.",
        "details": [],
    }
    assert response["WWW-Authenticate"] == "Token"
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_bad_token_gets_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = client.post("/api/kerneltest/ledgers", {"id": "a", "name": "A"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == 16


def test_domain_errors_map_to_status_and_body(client_with_token):
    # invalid argument -> 400 with the domain's own message
    response = client_with_token.post("/api/kerneltest/ledgers", {"id": "a", "name": " "}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"code": 3, "message": "the ledger name cannot be blank", "details": []},
    )
    # not found -> 404
    response = client_with_token.post(
        "/api/kerneltest/ledgers/missing/credit", {"amount": "1.00"}, format="json"
    )
    assert (response.status_code, response.json()) == (
        404,
        {"code": 5, "message": "the ledger was not found", "details": []},
    )
    # failed precondition -> 400
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="Closed")
    services.ledger_close(ledger_id=ledger_id)
    response = client_with_token.post(
        f"/api/kerneltest/ledgers/{ledger_id}/credit", {"amount": "1.00"}, format="json"
    )
    assert (response.status_code, response.json()["code"], response.json()["message"]) == (
        400,
        9,
        "the ledger is closed",
    )
    assert Event.objects.filter(stream_id=ledger_id).count() == 2


def test_field_validation_lists_every_field_in_details(client_with_token):
    response = client_with_token.post("/api/kerneltest/ledgers", {"name": 5, "extra": 1}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 3
    assert body["details"] == [{"field": "id", "description": "This field is required."}]
    assert body["message"] == "id: This field is required."
    response = client_with_token.post("/api/kerneltest/ledgers/x/credit", {"amount": "lots"}, format="json")
    assert response.json()["details"] == [{"field": "amount", "description": "A valid number is required."}]


def test_malformed_json_is_a_400_not_a_500(client_with_token):
    response = client_with_token.generic(
        "POST", "/api/kerneltest/ledgers", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == 3
    assert response.json()["message"].startswith("JSON parse error")


def test_an_unexpected_error_is_a_500_with_the_error_body(client_with_token):
    client_with_token.raise_request_exception = False
    response = client_with_token.get("/api/kerneltest/crash")
    assert (response.status_code, response.json()) == (
        500,
        {"code": 13, "message": "internal error", "details": []},
    )


def test_requests_run_under_a_correlation_id_that_is_echoed_and_stored(client_with_token):
    # given a caller-supplied correlation id
    response = client_with_token.post(
        "/api/kerneltest/ledgers",
        {"id": "corr-ledger", "name": "C"},
        format="json",
        HTTP_X_CORRELATION_ID="abc-123",
    )
    # then
    assert response.status_code == 200
    assert response["X-Correlation-ID"] == "abc-123"
    event = Event.objects.get(stream_id="corr-ledger")
    assert event.metadata == {"correlation_id": "abc-123", "causation_id": "abc-123", "actor": "kiosk-1"}
    # an unusable header is replaced by a fresh id
    response = client_with_token.post(
        "/api/kerneltest/ledgers", {"id": "l2", "name": "C"}, format="json", HTTP_X_CORRELATION_ID="<script>"
    )
    assert response["X-Correlation-ID"] != "<script>"
    assert len(response["X-Correlation-ID"]) == 36


@pytest.mark.django_db
def test_docs_and_schema_are_public():
    client = APIClient()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/redoc/").status_code == 200


@pytest.mark.django_db
def test_liveness():
    response = APIClient().get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_ready_and_progressing_when_database_broker_outbox_and_deliveries_are_fine(broker):
    ready = APIClient().get("/health/ready")
    progress = APIClient().get("/health/progress")
    assert ready.status_code == progress.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["broker"]["ok"] is True
    assert checks["broker"]["backlog"]["kerneltest"] == 0
    assert set(checks) == {"database", "broker"}
    body = progress.json()
    assert body["checks"]["outbox"] == {"ok": True, "unsent": 0, "lagSeconds": 0.0}
    assert body["checks"]["deadLetters"] == {"ok": True, "count": 0}
    assert body["checks"]["held"] == {"ok": True, "count": 0, "stuck": []}
    assert body["problems"] == []
    assert body["subscribers"]["kerneltest.on_ledger_noted"] == {
        "state": "live",
        "open": 0,
        "oldestSeconds": 0,
    }


@pytest.mark.django_db
def test_a_lagging_outbox_is_a_progress_problem_not_a_readiness_one(broker, settings):
    # given an unsent message older than the allowed lag
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    services.ledger_note(ledger_id="x", note="stuck")
    StreamMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    # when
    ready = APIClient().get("/health/ready")
    progress = APIClient().get("/health/progress")
    # then
    assert (ready.status_code, progress.status_code) == (200, 503)
    outbox = progress.json()["checks"]["outbox"]
    assert outbox["ok"] is False and outbox["unsent"] == 1 and outbox["lagSeconds"] >= 300
    assert progress.json()["problems"][0].startswith("the outbox is 30")


@pytest.mark.django_db
def test_a_dead_letter_keeps_readiness_and_fails_progress_until_it_is_cleared(broker, failed_delivery):
    # given a dead letter
    dead = failed_delivery()
    # when
    ready = APIClient().get("/health/ready")
    progress = APIClient().get("/health/progress")
    # then every web replica keeps serving, and the monitor is told why
    assert (ready.status_code, progress.status_code) == (200, 503)
    assert progress.json()["checks"]["deadLetters"] == {"ok": False, "count": 1}
    assert progress.json()["problems"] == ["1 dead letters"]
    # when staff discard it
    failures.discard_dead_letters([dead.pk])
    # then
    assert APIClient().get("/health/progress").status_code == 200


@pytest.mark.django_db
def test_a_message_held_too_long_is_stuck_and_says_what_it_waits_for(broker, settings):
    # given an ordered note whose predecessor never arrived, held for two minutes
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    services.ledger_note(ledger_id="held", note="first")
    second_id = services.ledger_note(ledger_id="held", note="second")
    handler, envelope, seq = next(
        d
        for d in deliveries_of(StreamMessage.objects.get(message_id=second_id))
        if d[0].endswith("_in_order")
    )
    assert consumer.process(handler, envelope, seq) == Outcome.HELD
    Delivery.objects.filter(status="held").update(first_failed_at=timezone.now() - timedelta(minutes=2))
    # when
    progress = APIClient().get("/health/progress")
    # then
    assert progress.status_code == 503
    [stuck] = progress.json()["checks"]["held"]["stuck"]
    assert (stuck["handler"], stuck["message"]) == (handler, f"kerneltestapi.LedgerNoted {second_id}")
    assert stuck["why"].startswith("waiting for message #1 of partition held (delivery #")
    assert stuck["why"].endswith(": pending)")
    assert stuck["waitingSeconds"] >= 120
    assert APIClient().get("/health/ready").status_code == 200


@pytest.mark.django_db
def test_not_ready_when_the_broker_is_down(use_broker):
    use_broker("redis://127.0.0.1:1/0")
    response = APIClient().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert APIClient().get("/health/progress").status_code == 503


def test_money_travels_as_decimal(client_with_token):
    ledger_id = str(uuid.uuid4())
    services.ledger_open(ledger_id=ledger_id, name="Money")
    client_with_token.post(f"/api/kerneltest/ledgers/{ledger_id}/credit", {"amount": 0.1}, format="json")
    client_with_token.post(f"/api/kerneltest/ledgers/{ledger_id}/credit", {"amount": 0.2}, format="json")
    assert services.ledgers.get(ledger_id).balance == Decimal("0.30")


def test_permission_per_method_staff_need_it_too_superusers_may_everything_and_missing_methods_are_405(db):
    from django.contrib.auth.models import Permission

    # given
    ledger_ids = [str(uuid.uuid4()) for _ in range(4)]
    for ledger_id in ledger_ids:
        services.ledger_open(ledger_id=ledger_id, name="P")
    plain = User.objects.create_user("plain")
    staff = User.objects.create_user("staff", is_staff=True)
    allowed = User.objects.create_user("allowed")
    allowed.user_permissions.add(Permission.objects.get(codename="change_ledgerview"))
    superuser = User.objects.create_user("root", is_staff=True, is_superuser=True)

    def client(user: User) -> APIClient:
        c = APIClient()
        c.force_authenticate(user)
        return c

    # when / then: without the permission nothing happens, staff or not
    for user, ledger_id in [(plain, ledger_ids[0]), (staff, ledger_ids[1])]:
        response = client(user).post(f"/api/kerneltest/ledgers/{ledger_id}/close", {}, format="json")
        assert (response.status_code, response.json()["code"]) == (403, 7)
        assert Event.objects.filter(stream_id=ledger_id).count() == 1
    # with it, or as a superuser, the command runs
    assert (
        client(allowed).post(f"/api/kerneltest/ledgers/{ledger_ids[2]}/close", {}, format="json").status_code
        == 200
    )
    assert (
        client(superuser)
        .post(f"/api/kerneltest/ledgers/{ledger_ids[3]}/close", {}, format="json")
        .status_code
        == 200
    )
    # a method the view does not have is 405 for everyone
    response = client(plain).get(f"/api/kerneltest/ledgers/{ledger_ids[0]}/close")
    assert (response.status_code, response.json()["code"]) == (405, 12)


def test_errors_of_list_items_name_the_item_by_index():
    from rest_framework.exceptions import ValidationError

    from mallbots.kernel.web.errors import exception_handler

    # DRF keys list-item errors by index; nested serializer lists come as lists
    error = ValidationError(
        {"items": {1: {"price": ["A valid number is required."]}}, "tags": [{}, {"x": ["bad"]}]}
    )
    response = exception_handler(error, {})
    assert response.data["details"] == [
        {"field": "items[1].price", "description": "A valid number is required."},
        {"field": "tags[1].x", "description": "bad"},
    ]
