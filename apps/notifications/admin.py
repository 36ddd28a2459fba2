"""Back office for notifications: what each customer was told and when, and the cached SMS
numbers. Both are read-only: the rows are written only by the handlers' services (a sent SMS
is a fact, and the cache follows the customers context)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.safestring import SafeString

from mallbots.kernel.web.admin import ReadOnlyAdmin, change_url, name_and_id, names_of, short_id

from .models import CustomerCache, SentNotification


@admin.register(SentNotification)
class SentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "kind", "order", "customer", "sms_number", "text")
    list_filter = ("kind",)
    # The start of an order id finds it by the short id the SMS quoted; customer ids are
    # pasted whole; a number may be typed in part.
    search_fields = ("^order_id", "=customer_id", "sms_number")
    search_help_text = "Order id (or its first characters, as in the SMS), exact customer id, or SMS number."
    ordering = ("-sent_at", "-id")
    date_hierarchy = "sent_at"
    fields = ("order", "kind", "customer", "sms_number", "text", "sent_at")
    readonly_fields = fields

    row_names = (("customer_id", "customer_name", names_of(CustomerCache)),)

    @admin.display(description="order", ordering="order_id")
    def order(self, obj: SentNotification) -> SafeString:
        return short_id(obj.order_id, change_url("ordering_order", obj.order_id))

    @admin.display(description="customer", ordering="customer_id")
    def customer(self, obj: SentNotification) -> SafeString:
        name = getattr(obj, "customer_name", None)
        if name is None:
            name = CustomerCache.objects.filter(id=obj.customer_id).values_list("name", flat=True).first()
        return name_and_id(name, obj.customer_id, change_url("customers_customer", obj.customer_id))


@admin.register(CustomerCache)
class CustomerCacheAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "sms_number", "updated_at")
    search_fields = ("=id", "name", "sms_number")
    ordering = ("name",)
    fields = ("id", "name", "sms_number", "updated_at")
    readonly_fields = fields
