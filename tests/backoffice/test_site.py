"""The mall's admin site and front door: branded, the tables only operators need grouped in a
"Technical" section, `/` saying what runs and where to go, the API docs served from our own
static files."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def staff_in(group: str) -> Client:
    user = User.objects.create_user(f"{group}-staff", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_is_branded_as_the_mall_and_view_site_leads_to_the_front_door(admin_client):
    # given / when
    page = admin_client.get("/admin/")
    # then
    content = page.content.decode()
    assert "<title>Dashboard | MallBots</title>" in content
    assert '<a href="/admin/">MallBots back office</a>' in content
    assert "Django administration" not in content
    assert page.context["site_url"] == "/"


def test_caches_and_copies_are_grouped_in_a_technical_section_at_the_end(admin_client):
    # given / when
    apps = admin_client.get("/admin/").context["app_list"]
    # then
    technical = apps[-1]
    assert technical["name"] == "Technical: what each context keeps of the others"
    assert [model["name"] for model in technical["models"]] == [
        "Baskets: Product cache",
        "Baskets: Store cache",
        "Depot: Order copies",
        "Depot: Product cache",
        "Depot: Store cache",
        "Notifications: Customer cache",
        "Payments: Customer cache",
        "Payments: Order copies",
        "Search: Customer cache",
    ]
    by_app = {app["app_label"]: [model["object_name"] for model in app["models"]] for app in apps[:-1]}
    assert by_app["depot"] == ["Bot", "ShoppingList"]
    assert by_app["search"] == ["SearchOrder"]


def test_a_context_s_own_page_still_lists_its_caches(admin_client):
    # given / when
    apps = admin_client.get("/admin/baskets/").context["app_list"]
    # then
    assert [model["object_name"] for model in apps[0]["models"]] == ["Basket", "ProductCache", "StoreCache"]


def test_the_two_order_lists_have_names_of_their_own(admin_client):
    # given / when
    apps = admin_client.get("/admin/").context["app_list"]
    # then
    names = {(app["app_label"], model["name"]) for app in apps for model in app["models"]}
    assert {("ordering", "Orders"), ("search", "Order search")} <= names


def test_the_technical_section_shows_only_what_the_role_may_view():
    # given
    depot_operator = staff_in("depot-operators")
    # when
    apps = depot_operator.get("/admin/").context["app_list"]
    # then: depot's copies are not among a depot operator's permissions
    assert [app["app_label"] for app in apps] == ["depot"]


def test_the_front_door_says_what_runs_and_links_everything(client):
    # given / when
    page = client.get("/")
    # then
    content = page.content.decode()
    assert page.status_code == 200
    for link in (
        "/admin/",
        "/api/docs/",
        "/api/redoc/",
        "/api/schema/",
        "/api/events/",
        "/health/live",
        "/health/ready",
        "/health/progress",
    ):
        assert f'href="{link}"' in content
    assert [context["label"] for context in page.context["contexts"]] == [
        "stores",
        "customers",
        "baskets",
        "ordering",
        "payments",
        "depot",
        "notifications",
        "search",
    ]
    assert (page.context["database_ok"], page.context["broker_ok"]) == (True, True)


@pytest.mark.parametrize(
    ("path", "asset"),
    [
        ("/api/docs/", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ],
)
def test_the_api_docs_load_their_scripts_from_our_static_files_only(client, path, asset):
    # given / when
    content = client.get(path).content.decode()
    # then
    assert asset in content
    assert "https://" not in content
    assert "http://" not in content
