"""Each staff role, as a staff user in its group, sees and does only its part of the admin."""

from __future__ import annotations

import time

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management.sql import emit_post_migrate_signal
from django.test import Client, RequestFactory

from apps.depot.models import Bot, ShoppingList
from apps.stores.models import Product, Store
from tests.stores.factories import StoreFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

EVERY_CHANGELIST = sorted(
    f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry
)
USER_MANAGEMENT = {"/admin/auth/group/", "/admin/auth/user/", "/admin/authtoken/tokenproxy/"}


def staff_in(group: str) -> User:
    user = User.objects.create_user(f"staff-{time.monotonic_ns()}", password="x", is_staff=True)
    user.groups.set([Group.objects.get(name=group)])
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def visible_changelists(group: str) -> set[str]:
    client = client_for(staff_in(group))
    answers = {url: client.get(url).status_code for url in EVERY_CHANGELIST}
    assert set(answers.values()) <= {200, 403}, answers
    return {url for url, status in answers.items() if status == 200}


def action_names(group: str, model: type) -> set[str]:
    request = RequestFactory().get("/admin/")
    request.user = staff_in(group)
    return set(admin.site._registry[model].get_actions(request))


def disable_participation_as(group: str, store: Store) -> int:
    response = client_for(staff_in(group)).post(
        "/admin/stores/store/",
        {"action": "disable_participation", "_selected_action": [store.id]},
    )
    return response.status_code


def test_auditors_see_every_list_but_user_management():
    # given / when
    visible = visible_changelists("auditors")

    # then
    assert visible == set(EVERY_CHANGELIST) - USER_MANAGEMENT


def test_auditors_have_no_action_and_add_nothing():
    # given
    store = StoreFactory(participating=True)

    # when
    status = disable_participation_as("auditors", store)

    # then: the list answers, without the action
    assert status == 200
    assert Store.objects.get(id=store.id).participating is True
    assert action_names("auditors", Store) == set()
    assert action_names("auditors", ShoppingList) == set()
    assert client_for(staff_in("auditors")).get("/admin/depot/bot/add/").status_code == 403


def test_auditors_hold_every_view_permission_and_nothing_else_outside_user_management():
    # given / when
    codenames = set(Group.objects.get(name="auditors").permissions.values_list("codename", flat=True))

    # then
    assert codenames
    assert all(codename.startswith("view_") for codename in codenames)
    assert {"view_store", "view_order", "view_shoppinglist", "view_event", "view_faileddelivery"} <= codenames
    assert codenames.isdisjoint({"view_user", "view_group", "view_tokenproxy"})


def test_depot_operators_see_only_shopping_lists_and_bots():
    # given / when
    visible = visible_changelists("depot-operators")

    # then
    assert visible == {"/admin/depot/shoppinglist/", "/admin/depot/bot/"}


def test_depot_operators_run_shopping_lists_and_add_bots_but_not_stores():
    # given
    store = StoreFactory(participating=True)

    # when
    status = disable_participation_as("depot-operators", store)

    # then
    assert status == 403
    assert Store.objects.get(id=store.id).participating is True
    assert action_names("depot-operators", ShoppingList) == {
        "assign_to_bot",
        "complete_selected",
        "cancel_selected",
    }
    assert client_for(staff_in("depot-operators")).get("/admin/depot/bot/add/").status_code == 200
    assert Bot.objects.count() == 0


def test_store_managers_see_only_stores_and_products():
    # given / when
    visible = visible_changelists("store-managers")

    # then
    assert visible == {"/admin/stores/store/", "/admin/stores/product/"}


def test_store_managers_run_stores_and_products():
    # given
    store = StoreFactory(participating=True)

    # when
    status = disable_participation_as("store-managers", store)

    # then
    assert status == 302
    assert Store.objects.get(id=store.id).participating is False
    assert action_names("store-managers", Store) == {"enable_participation", "disable_participation"}
    assert action_names("store-managers", Product) == {"remove_products"}
    assert action_names("store-managers", ShoppingList) == set()


def test_administrators_see_everything_but_user_management():
    # given / when
    visible = visible_changelists("administrators")

    # then
    assert visible == set(EVERY_CHANGELIST) - USER_MANAGEMENT


def test_administrators_run_every_context_but_cannot_manage_users():
    # given
    store = StoreFactory(participating=True)
    client = client_for(staff_in("administrators"))

    # when
    status = disable_participation_as("administrators", store)

    # then
    assert status == 302
    assert Store.objects.get(id=store.id).participating is False
    assert action_names("administrators", ShoppingList) == {
        "assign_to_bot",
        "complete_selected",
        "cancel_selected",
    }
    assert client.get("/admin/auth/user/add/").status_code == 403
    assert client.get("/admin/authtoken/tokenproxy/add/").status_code == 403
    assert User.objects.filter(is_superuser=True).count() == 0


def test_role_groups_are_granted_again_after_a_migrate_or_flush():
    # given
    Group.objects.filter(name__in=["auditors", "administrators"]).delete()

    # when: what `migrate` and `flush` send at their end
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    # then
    assert Group.objects.get(name="auditors").permissions.filter(codename="view_order").exists()
    assert Group.objects.get(name="administrators").permissions.filter(codename="delete_order").exists()
