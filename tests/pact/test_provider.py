"""The API honours every committed pact (provider side): Pact's verifier replays each
interaction of docs/pacts/*.json against a live server of the whole Django stack on the test
database, after setting up its provider state through the services (states.py), with the token
of a user in the consumer's groups; and a provider that drops, renames or retypes a field a
consumer reads fails the verification."""

from __future__ import annotations

import copy
import json
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer

from tests.pact.pacts import PROVIDER, Verifier, pact_file
from tests.pact.states import STATES

pytestmark = [pytest.mark.contract, pytest.mark.django_db(transaction=True)]

# The groups of each consumer's user: busywork's own (`manage.py busywork` creates it so), and a kiosk's.
GROUPS = {"busywork": ("kiosk", "depot-operators"), "kiosk": ("kiosk",)}


class _StateRequest(BaseHTTPRequestHandler):
    """Pact's state change call, `{"state", "params", "action"}`: answers the state's values."""

    server: _StateServer

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        try:
            status, answer = 200, STATES[request["state"]]()
        except Exception:
            status, answer = 500, {"error": traceback.format_exc()}
            self.server.errors.append(f"{request['state']}: {answer['error']}")
        finally:
            connections.close_all()  # this request's thread is done with the database
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _StateServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StateRequest)
        self.errors: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/pact-states"


@dataclass
class Provider:
    url: str
    states: _StateServer

    def verify(self, consumer: str, description: str | None = None) -> tuple[bool, str]:
        """Replay the consumer's pact (only the interactions whose description matches, when
        given); whether every one passed, and the verifier's report."""
        user = User.objects.create_user(f"pact-{consumer}-{User.objects.count()}", password="x")
        user.groups.set(Group.objects.filter(name__in=GROUPS[consumer]))
        verifier = (
            Verifier(PROVIDER, host=urlsplit(self.url).hostname)
            .add_transport(url=self.url)
            .add_source(pact_file(consumer))
            .state_handler(self.states.url, teardown=False, body=True)
            .add_custom_header("Authorization", f"Token {Token.objects.create(user=user).key}")
            .set_request_timeout(30_000)
            .set_coloured_output(enabled=False)
        )
        if description is not None:
            verifier.filter(description=f"^{description}$")
        try:
            verifier.verify()
        except RuntimeError:
            return False, verifier.output(strip_ansi=True)
        return True, verifier.output(strip_ansi=True)


@pytest.fixture
def provider(live_server: Any, settings: Any) -> Iterator[Provider]:
    """The live server, and the state handler beside it. Relaying on commit is off: the states
    handle their messages in this process, and nothing goes to the broker."""
    settings.MESSAGING_RELAY_ON_COMMIT = "off"
    states = _StateServer()
    thread = threading.Thread(target=states.serve_forever, daemon=True)
    thread.start()
    try:
        yield Provider(live_server.url, states)
    finally:
        states.shutdown()
        states.server_close()
        thread.join(10)


@pytest.mark.parametrize("consumer", sorted(GROUPS))
def test_the_api_honours_the_pact_of(provider, consumer):
    # when
    verified, report = provider.verify(consumer)

    # then
    assert provider.states.errors == []
    assert verified, report
    interactions = json.loads(pact_file(consumer).read_text())["interactions"]
    assert report.count("has status code") == len(interactions)


def _drop(key: str, path: str) -> Callable[[Any], Any]:
    def change(data: Any) -> Any:
        _at(data, path).pop(key)
        return data

    return change


def _rename(key: str, to: str, path: str) -> Callable[[Any], Any]:
    def change(data: Any) -> Any:
        parent = _at(data, path)
        parent[to] = parent.pop(key)
        return data

    return change


def _as_text(key: str, path: str) -> Callable[[Any], Any]:
    def change(data: Any) -> Any:
        parent = _at(data, path)
        parent[key] = str(parent[key])
        return data

    return change


def _at(data: Any, path: str) -> Any:
    for step in path.split("."):
        data = data[int(step)] if step.isdigit() else data[step]
    return data


@pytest.mark.parametrize(
    ("consumer", "description", "change", "failure"),
    [
        pytest.param(
            "kiosk",
            "a request for the order a checkout became",
            _drop("status", "order"),
            "$.order -> Actual map is missing the following keys: status",
            id="a field removed",
        ),
        pytest.param(
            "busywork",
            "a request for the shopping lists of an order",
            _rename("assignedBotId", "botId", "shoppingLists.0"),
            "$.shoppingLists[0] -> Actual map is missing the following keys: assignedBotId",
            id="a field renamed",
        ),
        pytest.param(
            "busywork",
            "a request for the products of a store",
            _as_text("price", "products.0"),
            "$.products[0].price -> Expected '9.99' (String) to be the same type as 9.99 (Decimal)",
            id="a number turned into a string",
        ),
        pytest.param(
            "kiosk",
            "a request for the order a checkout became",
            _as_text("quantity", "order.items.0"),
            "$.order.items[0].quantity -> Expected '2' (String) to be the same type as 2 (Integer)",
            id="an integer turned into a string",
        ),
    ],
)
def test_a_provider_that_changes_a_field_a_consumer_reads_fails_its_pact(
    provider, monkeypatch, consumer, description, change, failure
):
    # given: the API renders every JSON answer changed so
    render = JSONRenderer.render

    def changed(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and data:
            data = change(copy.deepcopy(data))
        return render(self, data, accepted_media_type, renderer_context)

    monkeypatch.setattr(JSONRenderer, "render", changed)

    # when
    verified, report = provider.verify(consumer, description)

    # then
    assert provider.states.errors == []
    assert not verified
    assert f"{description} (" in report
    assert failure in report.split("Failures:")[-1], report
