"""The back office: read-only rows, actions and forms that call the services, domain errors
shown as messages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.stores import services
from apps.stores.models import Product, Store
from tests.stores.factories import ProductFactory, StoreFactory
from tests.stores.helpers import counts, events_of, messages_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:stores_{model}_{view}", args=args)


def flash(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def staff_with(*codenames: str) -> Client:
    user = User.objects.create_user(f"staff-{'-'.join(codenames) or 'none'}", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="stores", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


# --- Lists and details ----------------------------------------------------------------------


@pytest.mark.parametrize("model", ["store", "product"])
def test_changelist_and_detail_answer_200_for_a_superuser(admin_client, model):
    # given
    product = ProductFactory()
    obj = product if model == "product" else Store.objects.get(id=product.store_id)
    # when
    listing = admin_client.get(url(model, "changelist"))
    detail = admin_client.get(url(model, "change", obj.pk))
    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [obj]
    assert detail.status_code == 200
    assert detail.context["original"] == obj


def test_the_store_changelist_searches_and_filters(admin_client):
    # given
    books = StoreFactory(name="Books", location="Level 1", participating=True)
    StoreFactory(name="Shoes", location="Level 2")
    # when
    by_name = admin_client.get(url("store", "changelist"), {"q": "book"})
    by_flag = admin_client.get(url("store", "changelist"), {"participating__exact": "1"})
    # then
    assert list(by_name.context["cl"].result_list) == [books]
    assert list(by_flag.context["cl"].result_list) == [books]


def test_the_product_changelist_shows_store_names_without_a_query_per_row(
    admin_client, django_assert_max_num_queries
):
    # given
    books = StoreFactory(name="Books")
    for _ in range(12):
        ProductFactory(store=books)
    other = ProductFactory()
    # when
    with django_assert_max_num_queries(12):
        listing = admin_client.get(url("product", "changelist"))
    by_store = admin_client.get(url("product", "changelist"), {"store_id": other.store_id})
    # then
    assert listing.status_code == 200
    link = (
        f'<td class="field-store"><a href="/admin/stores/store/{books.id}/change/" title="{books.id}">Books '
    )
    assert listing.content.decode().count(link) == 12
    assert list(by_store.context["cl"].result_list) == [other]


def test_rows_are_read_only(admin_client):
    # given
    product = ProductFactory(name="Novel")
    store = Store.objects.get(id=product.store_id)
    before = counts()
    # when
    add_store = admin_client.get(url("store", "add"))
    add_product = admin_client.get(url("product", "add"))
    change_store = admin_client.post(url("store", "change", store.pk), {"name": "Hacked"})
    change_product = admin_client.post(url("product", "change", product.pk), {"name": "Hacked"})
    delete_store = admin_client.post(url("store", "delete", store.pk), {"post": "yes"})
    delete_product = admin_client.post(url("product", "delete", product.pk), {"post": "yes"})
    listing = admin_client.get(url("product", "changelist"))
    # then
    assert [r.status_code for r in (add_store, add_product, change_store, change_product)] == [403] * 4
    assert [r.status_code for r in (delete_store, delete_product)] == [403, 403]
    assert "delete_selected" not in listing.context["action_form"].fields["action"].choices.__repr__()
    assert counts() == before
    assert Product.objects.get(id=product.id).name == "Novel"


# --- Store actions and forms ----------------------------------------------------------------


def test_the_participation_actions_call_the_services_and_show_errors_as_messages(admin_client):
    # given
    books = StoreFactory(name="Books")
    shoes = StoreFactory(name="Shoes", participating=True)
    # when
    response = admin_client.post(
        url("store", "changelist"),
        {"action": "enable_participation", "_selected_action": [books.id, shoes.id]},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert flash(response) == [
        ("success", "Books now participates."),
        ("error", "Shoes: the store is already participating"),
    ]
    assert Store.objects.get(id=books.id).participating is True
    assert len(events_of(shoes.id)) == 2
    # when
    response = admin_client.post(
        url("store", "changelist"),
        {"action": "disable_participation", "_selected_action": [books.id]},
        follow=True,
    )
    # then
    assert flash(response) == [("success", "Books no longer participates.")]
    assert messages_of(books.id)[-1] == (
        "storesapi.StoreParticipatingToggled",
        {"id": books.id, "participating": False},
    )


def test_create_store_form_creates_it_through_the_service(admin_client):
    # when
    page = admin_client.get(url("store", "create"))
    response = admin_client.post(url("store", "create"), {"name": "Books", "location": "Level 1"})
    # then
    assert page.status_code == 200
    store = Store.objects.get()
    assert (store.name, store.location, store.participating) == ("Books", "Level 1", False)
    assert response.status_code == 302
    assert response["Location"] == url("store", "change", store.id)
    assert [e[2] for e in events_of(store.id)] == ["stores.StoreCreated"]


def test_create_store_form_shows_a_domain_error_and_creates_nothing(admin_client):
    # given
    before = counts()
    # when
    response = admin_client.post(url("store", "create"), {"name": "Books", "location": "   "})
    # then
    assert response.status_code == 200
    assert flash(response) == [("error", "the store location cannot be blank")]
    assert response.context["form"].data["name"] == "Books"
    assert counts() == before


def test_the_store_page_links_its_commands(admin_client):
    store = StoreFactory()
    page = admin_client.get(url("store", "change", store.id)).content.decode()
    assert url("store", "rebrand", store.id) in page
    assert url("store", "add_product", store.id) in page
    assert f"{url('product', 'changelist')}?store_id={store.id}" in page
    assert url("store", "create") in admin_client.get(url("store", "changelist")).content.decode()


def test_rebrand_store_form(admin_client):
    # given
    store = StoreFactory(name="Books")
    # when
    page = admin_client.get(url("store", "rebrand", store.id))
    blank = admin_client.post(url("store", "rebrand", store.id), {"name": " "})
    done = admin_client.post(url("store", "rebrand", store.id), {"name": "Books & Coffee"}, follow=True)
    # then
    assert page.context["form"].initial == {"name": "Books"}
    assert flash(blank) == [("error", "the store name cannot be blank")]
    assert flash(done) == [("success", "Renamed Books to Books & Coffee.")]
    assert Store.objects.get(id=store.id).name == "Books & Coffee"
    assert [e[2] for e in events_of(store.id)] == ["stores.StoreCreated", "stores.StoreRebranded"]


def test_add_product_form(admin_client):
    # given
    store = StoreFactory(name="Books")
    # when
    negative = admin_client.post(url("store", "add_product", store.id), {"name": "Novel", "price": "-1"})
    done = admin_client.post(
        url("store", "add_product", store.id),
        {"name": "Novel", "description": "Paperback", "sku": "BK-1", "price": "12.50"},
    )
    # then
    assert flash(negative) == [("error", "the product price cannot be negative")]
    product = Product.objects.get()
    assert done["Location"] == url("product", "change", product.id)
    assert (product.store_id, product.name, product.description, product.sku, product.price) == (
        store.id,
        "Novel",
        "Paperback",
        "BK-1",
        Decimal("12.50"),
    )


def test_add_product_form_refuses_a_sku_the_store_has_and_keeps_the_form_filled_in(admin_client):
    # given
    existing = ProductFactory(sku="BK-1")
    before = counts()
    # when
    response = admin_client.post(
        url("store", "add_product", existing.store_id), {"name": "Copy", "sku": "BK-1", "price": "1.00"}
    )
    # then
    assert response.status_code == 200
    assert flash(response) == [("error", "the store already has a product with that SKU")]
    assert response.context["form"]["sku"].value() == "BK-1"
    assert counts() == before


def test_a_form_for_an_unknown_store_answers_404(admin_client):
    assert admin_client.get(url("store", "rebrand", "missing")).status_code == 404
    assert (
        admin_client.post(url("store", "add_product", "missing"), {"name": "x", "price": "1"}).status_code
        == 404
    )
    assert counts() == (0, 0, 0, 0)


# --- Product actions and forms --------------------------------------------------------------


def test_rebrand_product_form(admin_client):
    # given
    product = ProductFactory(name="Novel", description="Paperback")
    # when
    page = admin_client.get(url("product", "rebrand", product.id))
    blank = admin_client.post(url("product", "rebrand", product.id), {"name": "", "description": "x"})
    done = admin_client.post(url("product", "rebrand", product.id), {"name": "Poems", "description": "Slim"})
    # then
    assert page.context["form"].initial == {"name": "Novel", "description": "Paperback"}
    assert blank.status_code == 200 and blank.context["form"].errors == {"name": ["This field is required."]}
    assert done.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.description) == ("Poems", "Slim")


@pytest.mark.parametrize(
    ("price", "event", "delta"),
    [("12.50", "stores.ProductPriceIncreased", "2.50"), ("7.25", "stores.ProductPriceDecreased", "-2.75")],
)
def test_change_price_form_increases_or_decreases(admin_client, price, event, delta):
    # given
    product = ProductFactory(price=Decimal("10.00"))
    # when
    response = admin_client.post(url("product", "change_price", product.id), {"price": price}, follow=True)
    # then
    assert flash(response) == [("success", f"{product.name} now costs {price} (was 10.00).")]
    assert Product.objects.get(id=product.id).price == Decimal(price)
    assert events_of(product.id)[-1][2:] == (
        event,
        {"product_id": product.id, "delta": delta, "price": price},
    )


def test_change_price_form_shows_domain_errors(admin_client):
    # given
    product = ProductFactory(price=Decimal("10.00"))
    before = counts()
    # when
    response = admin_client.post(url("product", "change_price", product.id), {"price": "-3"})
    # then
    assert response.status_code == 200
    assert flash(response) == [("error", "the product price cannot be negative")]
    assert counts() == before


def test_the_remove_action_removes_products_and_reports_each(admin_client):
    # given
    pen = ProductFactory(name="Pen")
    ink = ProductFactory(name="Ink")
    # when
    response = admin_client.post(
        url("product", "changelist"),
        {"action": "remove_products", "_selected_action": [pen.id, ink.id]},
        follow=True,
    )
    # then
    assert flash(response) == [("success", "Removed Ink."), ("success", "Removed Pen.")]
    assert not Product.objects.exists()
    assert [m[0] for m in messages_of(pen.id)] == ["storesapi.ProductAdded", "storesapi.ProductRemoved"]


def test_a_form_for_a_removed_product_answers_404(admin_client):
    product = ProductFactory()
    services.product_remove(product_id=product.id)
    assert admin_client.get(url("product", "change_price", product.id)).status_code == 404


# --- Permissions ----------------------------------------------------------------------------


def test_staff_without_permissions_cannot_run_commands():
    # given
    client = staff_with("view_store", "view_product")
    product = ProductFactory()
    store_id = product.store_id
    before = counts()
    # when
    responses = [
        client.get(url("store", "create")),
        client.post(url("store", "rebrand", store_id), {"name": "x"}),
        client.post(url("store", "add_product", store_id), {"name": "x", "price": "1"}),
        client.post(url("product", "rebrand", product.id), {"name": "x"}),
        client.post(url("product", "change_price", product.id), {"price": "1"}),
    ]
    listing = client.get(url("store", "changelist"))
    product_listing = client.get(url("product", "changelist"))
    action = client.post(
        url("store", "changelist"), {"action": "enable_participation", "_selected_action": [store_id]}
    )
    # then
    assert [r.status_code for r in responses] == [403] * 5
    assert listing.status_code == 200 and listing.context["action_form"] is None
    assert product_listing.context["action_form"] is None
    assert action.status_code == 200
    assert counts() == before
    assert url("store", "create") not in listing.content.decode()


def test_staff_with_the_change_permission_may_toggle_participation():
    # given
    client = staff_with("view_store", "change_store")
    store = StoreFactory()
    # when
    client.post(
        url("store", "changelist"), {"action": "enable_participation", "_selected_action": [store.id]}
    )
    # then
    assert Store.objects.get(id=store.id).participating is True
