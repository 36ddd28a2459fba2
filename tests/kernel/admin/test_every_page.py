"""Every admin page of every context renders with a realistic mall: `seed_mall`, then orders
through the services with their messages handled (the outbox pumped through the consumer, as a
worker would), then every changelist, one change page per model, and every action. The mall is
built and committed once for the module; what each test changes (an action) is rolled back
with its test's transaction."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db.models import Model
from django.test import override_settings
from django.urls import reverse

from apps.ordering.models import Order
from mallbots.kernel.messaging.models import FailedDelivery
from mallbots.kernel.sagas.models import SagaInstance
from tests.kernel.admin.mall import build_mall

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


@pytest.fixture(scope="module")
def mall(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    overrides = override_settings(MESSAGING_RELAY_ON_COMMIT="off", EVENTSTORE_SNAPSHOT_EVERY={"default": 3})
    with django_db_blocker.unblock(), overrides:
        try:
            yield build_mall()
        finally:
            call_command("flush", interactive=False, verbosity=0, stdout=io.StringIO())
            redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


def url_of(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_mall_has_orders_in_every_state_of_interest(mall):
    # given / when / then
    assert FailedDelivery.objects.count() == 1
    assert {
        mall[key]: Order.objects.get(id=mall[key]).status
        for key in ("completed", "approved", "orchestrated", "rejected")
    } == {
        mall["completed"]: "completed",
        mall["approved"]: "approved",
        mall["orchestrated"]: "approved",
        mall["rejected"]: "rejected",
    }
    assert SagaInstance.objects.get(saga_id=mall["orchestrated"]).status == "completed"


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label_lower)
def test_every_changelist_and_a_change_page_render(admin_client, mall, model):
    # given
    row = model._default_manager.order_by("pk").first()

    # when
    listed = admin_client.get(url_of(model, "changelist"))
    shown = admin_client.get(url_of(model, "change", row.pk)) if row is not None else None

    # then
    assert listed.status_code == 200
    assert row is not None or model._meta.label_lower == "authtoken.tokenproxy", "no row to show"
    assert shown is None or shown.status_code == 200


ACTIONS = [(model, name) for model in MODELS for name in (admin.site._registry[model].actions or ())]


@pytest.mark.parametrize(
    "model,action", ACTIONS, ids=lambda v: v if isinstance(v, str) else v._meta.label_lower
)
def test_every_action_answers_with_a_message_or_a_redirect(admin_client, mall, model, action):
    # given
    row = model._default_manager.order_by("pk").first()
    selected = [row.pk] if row is not None else []

    # when
    response = admin_client.post(
        url_of(model, "changelist"), {"action": action, "_selected_action": selected}
    )

    # then: a form of its own (assign), or the list again with what happened
    to_a_form = response.status_code == 302 and response.url != url_of(model, "changelist")
    assert response.status_code in {200, 302}
    assert to_a_form or [str(message) for message in get_messages(response.wsgi_request)] != []


def custom_views() -> list[tuple[type[Model], str]]:
    """The views a ModelAdmin adds to the standard ones: forms of commands, the stream browser."""
    views = []
    for model in MODELS:
        model_admin = admin.site._registry[model]
        standard = {pattern.name for pattern in admin.ModelAdmin.get_urls(model_admin)}
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        views += [
            (model, (pattern.name or "").removeprefix(prefix))
            for pattern in model_admin.get_urls()
            if pattern.name not in standard
        ]
    return views


@pytest.mark.parametrize(
    "model,view", custom_views(), ids=lambda v: v if isinstance(v, str) else v._meta.label_lower
)
def test_every_added_view_renders(admin_client, mall, model, view):
    # given
    pattern = next(p for p in admin.site._registry[model].get_urls() if (p.name or "").endswith(f"_{view}"))
    row = model._default_manager.order_by("pk").first()
    args = [row.pk] if "<" in str(pattern.pattern) else []

    # when
    response = admin_client.get(url_of(model, view, *args))

    # then: the form, or (for a command that does not apply to this row) the row's page with why
    if response.status_code == 302:
        assert response.url == url_of(model, "change", *args)
        assert [str(message) for message in get_messages(response.wsgi_request)] != []
    else:
        assert response.status_code == 200
