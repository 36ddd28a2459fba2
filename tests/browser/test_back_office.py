"""The back office as mall staff use it, in chromium at 1280 px: each role signs in and sees only
its sections, the dashboard, an order's saga as a swimlane, the stream browser, a dead letter
retried, a command form run end to end, the API docs without the internet, and no main page
wider than the window. Each test leaves screenshots in .test-output/browser/."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from apps.ordering.models import Order
from apps.stores.models import Product, Store
from mallbots.kernel.messaging.models import FailedDelivery
from tests.browser.conftest import horizontal_overflow

# django_db: the test database exists (and each test reads it in a transaction of its own); the
# mall itself is built once for the module, committed, by the `live_mall` fixture.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

KERNEL = ["Event store", "Messaging", "Sagas"]
CONTEXTS = ["Baskets", "Customers", "Depot", "Notifications", "Ordering", "Payments", "Search", "Stores"]
TECHNICAL = "Technical: what each context keeps of the others"
SECTIONS = {
    "auditors": [*sorted([*CONTEXTS, *KERNEL]), TECHNICAL],
    "administrators": [*sorted([*CONTEXTS, *KERNEL]), TECHNICAL],
    "store-managers": ["Stores"],
    "depot-operators": ["Depot"],
}


def sections(page) -> list[str]:
    return page.locator("#content-main a.section").all_text_contents()


@pytest.mark.parametrize("role", list(SECTIONS))
def test_each_role_signs_in_to_the_dashboard_and_sees_only_its_sections(browser, role):
    # given / when
    page = browser.page_as(role)
    # then
    assert page.title() == "Dashboard | MallBots"
    assert page.inner_text("#site-name") == "MallBots back office"
    assert sorted(sections(page)[:-1]) + sections(page)[-1:] == SECTIONS[role]
    sees_orders = role in ("auditors", "administrators")
    assert page.locator("#mall-dashboard svg.mall-chart").count() == (2 if sees_orders else 0)
    assert page.locator("#dashboard-messaging tr.alarm").all_text_contents() == (
        ["dead letters1"] if sees_orders else []
    )
    assert horizontal_overflow(page) == 0
    browser.screenshot(page, f"dashboard-{role}")


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("store-managers", "/admin/ordering/order/", 403),
        ("store-managers", "/admin/messaging/faileddelivery/", 403),
        ("depot-operators", "/admin/stores/store/", 403),
        ("depot-operators", "/admin/depot/shoppinglist/", 200),
        ("auditors", "/admin/auth/user/", 403),
        ("administrators", "/admin/auth/user/", 403),
    ],
)
def test_a_role_cannot_open_what_it_may_not_see(browser, role, path, status):
    # given
    page = browser.page_as(role)
    # when
    response = page.goto(f"{browser.base}{path}")
    # then
    assert response.status == status


def test_an_order_s_page_shows_its_saga_as_a_swimlane_above_the_table(browser, live_mall):
    # given
    page = browser.page_as("auditors")
    # when
    page.goto(f"{browser.base}/admin/ordering/order/{live_mall['completed']}/change/")
    # then
    swimlane = page.locator(".swimlane svg")
    assert swimlane.is_visible()
    lanes = [
        lane
        for lane in ("baskets", "ordering", "customers", "depot", "payments", "notifications", "search")
        if page.locator(f".swimlane svg text:text-is('{lane}')").count() == 1
    ]
    assert lanes == ["baskets", "ordering", "customers", "depot", "payments", "notifications", "search"]
    marks = page.locator(".swimlane g.mark").count()
    rows = page.locator("#saga-timeline tbody tr").count()
    assert marks == rows > 20
    assert page.locator("a:text-is('Cancel the order')").count() == 0  # completed, and an auditor
    assert horizontal_overflow(page) == 0
    browser.screenshot(page, "order-completed")
    page.locator("#saga").screenshot(path=str(browser.output("order-completed-swimlane")))


def test_a_rejected_order_shows_its_compensations_and_an_approved_one_a_cancel_button(browser, live_mall):
    # given
    page = browser.page_as("administrators")
    # when
    page.goto(f"{browser.base}/admin/ordering/order/{live_mall['rejected']}/change/")
    compensations = page.locator(".swimlane g.mark.compensation").count()
    browser.screenshot(page, "order-rejected-swimlane")
    page.goto(f"{browser.base}/admin/ordering/order/{live_mall['approved']}/change/")
    # then
    assert compensations >= 2
    assert page.locator("a:text-is('Cancel the order')").is_visible()
    browser.screenshot(page, "order-approved-with-cancel")


def test_the_stream_browser_shows_an_order_s_events_and_its_state(browser, live_mall):
    # given
    page = browser.page_as("auditors")
    query = urlencode({"type": "ordering.Order", "id": live_mall["completed"]})
    # when
    page.goto(f"{browser.base}/admin/eventstore/event/stream/?{query}")
    # then
    assert page.locator("text=ordering.OrderCompleted").first.is_visible()
    assert '"status": "completed"' in page.content()
    assert horizontal_overflow(page) == 0
    browser.screenshot(page, "stream-browser")


def test_an_administrator_retries_a_dead_letter_from_the_failed_deliveries(browser):
    # given
    dead = FailedDelivery.objects.get(status="dead")
    page = browser.page_as("administrators")
    page.goto(f"{browser.base}/admin/messaging/faileddelivery/")
    browser.screenshot(page, "failed-deliveries")
    # when
    page.check(f"input.action-select[value='{dead.pk}']")
    page.select_option("select[name=action]", "retry_selected")
    page.click("button[name=index]")
    # then
    assert page.locator(".messagelist li.success").text_content() == "Retried 1 dead letter."
    assert FailedDelivery.objects.filter(pk=dead.pk, status="dead").count() == 0
    browser.screenshot(page, "failed-deliveries-retried")


def test_an_auditor_sees_the_failed_deliveries_but_no_action(browser):
    # given / when
    page = browser.page_as("auditors")
    page.goto(f"{browser.base}/admin/messaging/faileddelivery/")
    # then
    assert page.locator("#result_list").is_visible()
    assert page.locator("select[name=action]").count() == 0


def test_a_store_manager_adds_a_product_with_the_form_and_is_told_why_a_second_sku_is_refused(browser):
    # given
    store = Store.objects.exclude(name="N" * 200).order_by("name").first()
    sku = Product.objects.filter(store_id=store.id).values_list("sku", flat=True).first()
    page = browser.page_as("store-managers")
    page.goto(f"{browser.base}/admin/stores/store/{store.id}/change/")
    # when
    page.click("a:text-is('Add product')")
    browser.screenshot(page, "command-form-add-product")
    page.fill("#id_name", "Floo powder")
    page.fill("#id_sku", "FLOO-1")
    page.fill("#id_price", "4.50")
    page.click("input[type=submit]")
    added = page.locator(".messagelist li.success").text_content()
    page.goto(f"{browser.base}/admin/stores/store/{store.id}/add-product/")
    page.fill("#id_name", "Copy")
    page.fill("#id_sku", sku)
    page.fill("#id_price", "1.00")
    page.click("input[type=submit]")
    # then
    assert added == f"Added Floo powder to {store.name}."
    assert Product.objects.filter(store_id=store.id, sku="FLOO-1").count() == 1
    assert (
        page.locator(".messagelist li.error").text_content()
        == "The store already has a product with that SKU"
    )
    assert page.input_value("#id_sku") == sku
    assert Product.objects.filter(store_id=store.id, sku=sku).count() == 1
    browser.screenshot(page, "command-form-refused")


MAIN_PAGES = [
    "/",
    "/admin/",
    "/admin/ordering/order/",
    "/admin/search/searchorder/",
    "/admin/baskets/basket/",
    "/admin/customers/customer/",
    "/admin/payments/payment/",
    "/admin/payments/invoice/",
    "/admin/depot/shoppinglist/",
    "/admin/depot/bot/",
    "/admin/stores/store/",
    "/admin/stores/product/",
    "/admin/notifications/sentnotification/",
    "/admin/eventstore/event/",
    "/admin/messaging/streammessage/",
    "/admin/messaging/delivery/",
    "/admin/messaging/faileddelivery/",
    "/admin/messaging/subscriber/",
]


def test_no_main_page_is_wider_than_a_1280_px_window(browser, live_mall):
    # given a store and a product whose names are as long as names may be (live_mall)
    page = browser.page_as("administrators")
    long_store = Store.objects.get(name="N" * 200)
    long_product = Product.objects.get(name="P" * 200)
    pages = [
        *MAIN_PAGES,
        f"/admin/ordering/order/{live_mall['completed']}/change/",
        f"/admin/stores/store/{long_store.id}/change/",
        f"/admin/stores/product/{long_product.id}/change/",
    ]
    # when
    overflow = {}
    for path in pages:
        assert page.goto(f"{browser.base}{path}").status == 200, path
        overflow[path] = horizontal_overflow(page)
    # then
    assert overflow == dict.fromkeys(pages, 0)
    page.goto(f"{browser.base}/admin/stores/product/")
    browser.screenshot(page, "products-with-a-long-name")
    page.goto(f"{browser.base}/admin/stores/product/{long_product.id}/change/")
    browser.screenshot(page, "product-with-a-long-name")


@pytest.mark.parametrize(
    ("path", "rendered"), [("/api/docs/", ".opblock"), ("/api/redoc/", "[data-section-id]")]
)
def test_the_api_docs_render_the_schema_with_no_request_leaving_the_machine(browser, path, rendered):
    # given
    page = browser.page_as(None)
    before = len(browser.requests)
    # when
    page.goto(f"{browser.base}{path}")
    page.wait_for_selector(rendered)
    # then
    requested = browser.requests[before:]
    assert f"{browser.base}/api/schema/" in requested
    assert browser.refused == []
    assert page.locator("text=MallBots API").first.is_visible()
    browser.screenshot(page, f"api-docs-{path.strip('/').replace('/', '-')}")


def test_the_front_door_links_the_back_office_the_docs_the_events_and_health(browser):
    # given
    page = browser.page_as(None)
    # when
    page.goto(f"{browser.base}/")
    # then
    links = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == [
        "/admin/",
        "/api/docs/",
        "/api/redoc/",
        "/api/schema/",
        "/api/events/",
        "/health/live",
        "/health/ready",
        "/health/progress",
    ]
    assert Order.objects.count() == 4  # the mall's, none made by visiting
    browser.screenshot(page, "front-door")
