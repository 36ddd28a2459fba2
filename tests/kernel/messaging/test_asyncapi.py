"""The AsyncAPI document of the integration events: generated from the registries, served
publicly, and its committed copy kept current."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mallbots.kernel.messaging import asyncapi
from mallbots.kernel.messaging.events import integration_events
from mallbots.kernel.messaging.registry import all_subscriptions

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.unit
def test_the_document_lists_every_registered_event_with_its_producer_and_partition_key():
    # given the registries filled by the apps' ready()
    names = integration_events.names()

    # when
    doc = asyncapi.document()

    # then
    assert doc["asyncapi"] == "3.0.0"
    assert sorted(key for key, channel in doc["channels"].items() if channel["x-kind"] == "event") == names
    assert (
        sorted(key for key, message in doc["components"]["messages"].items() if message["x-kind"] == "event")
        == names
    )
    for name in names:
        event_type = integration_events.get(name)
        message = doc["components"]["messages"][name]
        assert message["name"] == name
        assert message["x-version"] == event_type.event_version
        assert message["x-producer"] == event_type.event_producer
        assert message["x-partition-key"] == event_type.partition_by
        assert message["payload"]["type"] == "object"
        assert "$defs" not in json.dumps(message["payload"])
        assert doc["channels"][name]["messages"] == {name: {"$ref": f"#/components/messages/{name}"}}
        send = doc["operations"][f"{event_type.event_producer}.publish.{name}"]
        assert send["action"] == "send"
        assert send["channel"] == {"$ref": f"#/channels/{name}"}


@pytest.mark.unit
def test_the_document_lists_every_subscription_as_a_receive_operation_on_its_queue():
    # given the subscriptions to integration events
    subscriptions = [sub for sub in all_subscriptions() if sub.event_name in integration_events.names()]

    # when
    doc = asyncapi.document()

    # then
    receives = {
        key: op
        for key, op in doc["operations"].items()
        if op["action"] == "receive"
        and op["channel"]["$ref"].removeprefix("#/channels/") in integration_events.names()
    }
    assert sorted(receives) == [sub.name for sub in subscriptions]
    for sub in subscriptions:
        op = receives[sub.name]
        assert op["channel"] == {"$ref": f"#/channels/{sub.event_name}"}
        assert op["messages"] == [{"$ref": f"#/channels/{sub.event_name}/messages/{sub.event_name}"}]
        assert (op["x-handler"], op["x-queue"], op["x-ordered"], op["x-order-sequence"]) == (
            sub.name,
            sub.queue,
            sub.ordered,
            sub.sequence,
        )
        assert sub.name in doc["channels"][sub.event_name]["x-subscribers"]
        assert sub.queue in doc["channels"][sub.event_name]["x-queues"]


@pytest.mark.unit
def test_nested_payloads_are_inlined_and_every_reference_resolves():
    # given the checkout event, whose items are nested dataclasses
    doc = json.loads(asyncapi.dumps(asyncapi.document()))

    # when
    items = doc["components"]["messages"]["basketsapi.BasketCheckedOut"]["payload"]["properties"]["items"]

    # then
    assert items["type"] == "array"
    assert items["items"]["type"] == "object"
    assert "product_id" in items["items"]["properties"]

    def refs(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(doc):
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref


@pytest.mark.integration
def test_the_command_writes_the_document_and_its_check_passes(tmp_path):
    # given
    output = tmp_path / "asyncapi.json"

    # when
    call_command("asyncapi", "--output", str(output), stdout=io.StringIO())
    out = io.StringIO()
    call_command("asyncapi", "--check", "--output", str(output), stdout=out)

    # then
    assert json.loads(output.read_text()) == asyncapi.document()
    assert out.getvalue() == f"{output} is current\n"


@pytest.mark.integration
def test_the_check_fails_on_a_stale_copy_and_leaves_it_alone(tmp_path):
    # given a copy that lost one event
    doc = asyncapi.document()
    del doc["channels"]["storesapi.StoreCreated"]
    stale = asyncapi.dumps(doc)
    output = tmp_path / "asyncapi.json"
    output.write_text(stale)

    # when
    with pytest.raises(CommandError) as error:
        call_command("asyncapi", "--check", "--output", str(output), stdout=io.StringIO())

    # then
    assert str(error.value) == (
        f"{output} is not current: run `manage.py asyncapi --output {output}` and commit it"
    )
    assert output.read_text() == stale


@pytest.mark.integration
def test_the_check_fails_when_the_copy_is_missing(tmp_path):
    # given
    output = tmp_path / "missing.json"

    # when
    with pytest.raises(CommandError):
        call_command("asyncapi", "--check", "--output", str(output), stdout=io.StringIO())

    # then
    assert not output.exists()


@pytest.mark.contract
def test_the_committed_copy_is_current():
    # given the application's own settings (the suite's add a test-only context)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mallbots.settings.dev"}

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "asyncapi", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"{ROOT / 'docs' / 'asyncapi.json'} is current\n"


@pytest.mark.integration
def test_the_asyncapi_json_is_public(client):
    # when
    response = client.get("/api/events/asyncapi.json")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(asyncapi.dumps(asyncapi.document()))


@pytest.mark.integration
def test_the_events_page_is_public_and_lists_events_producers_subscribers_and_queues(client):
    # when
    response = client.get("/api/events/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    for name in integration_events.names():
        assert f'<h2 id="{name}">{name}</h2>' in page
    for sub in all_subscriptions():
        assert f"<td><code>{sub.name}</code></td><td><code>{sub.queue}</code></td>" in page
    assert "producer <strong>ordering</strong>" in page
    assert 'href="/api/events/asyncapi.json"' in page


@pytest.mark.unit
def test_commands_have_their_owners_handler_and_replies_their_sagas_channel():
    # given the test context's commands, its reply and its saga's reply channel
    doc = asyncapi.document()

    # when
    reserve = doc["components"]["messages"]["kerneltestapi.Reserve"]
    reserved = doc["components"]["messages"]["kerneltestapi.Reserved"]
    channel = doc["channels"]["kerneltest.transfer.replies"]

    # then
    assert (reserve["x-kind"], reserve["x-owner"], reserve["x-version"]) == ("command", "kerneltest", 1)
    assert "transfer_id" in reserve["payload"]["properties"]
    assert doc["channels"]["kerneltestapi.Reserve"]["address"] == "kerneltest.commands"
    assert doc["channels"]["kerneltestapi.Reserve"]["x-subscribers"] == ["kerneltest.reserve"]
    assert (reserved["x-kind"], reserved["x-producer"]) == ("reply", "kerneltest")
    assert "token" in reserved["payload"]["properties"]
    assert doc["components"]["messages"]["am.Failure"]["payload"]["required"] == ["reason"]
    assert channel["x-kind"] == "reply channel"
    assert {"am.Success", "am.Failure", "kerneltestapi.Reserved"} <= set(channel["messages"])
    assert doc["operations"][channel["x-subscribers"][0]]["action"] == "receive"
