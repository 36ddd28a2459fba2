"""Back office for notifications: what each customer was told and when, and the cached SMS
numbers. Both are read-only: the rows are written only by the handlers' services (a sent SMS
is a fact, and the cache follows the customers context)."""

from __future__ import annotations

from django.contrib import admin

from mallbots.web.admin import ReadOnlyAdmin

from .models import CustomerCache, SentNotification


@admin.register(SentNotification)
class SentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "kind", "order_id", "customer_id", "sms_number", "text")
    list_filter = ("kind",)
    # The start of an order id finds it by the short id the SMS quoted; customer ids are
    # pasted whole; a number may be typed in part.
    search_fields = ("^order_id", "=customer_id", "sms_number")
    search_help_text = "Order id (or its first characters, as in the SMS), exact customer id, or SMS number."
    ordering = ("-sent_at", "-id")
    date_hierarchy = "sent_at"
    fields = ("order_id", "kind", "customer_id", "sms_number", "text", "sent_at")
    readonly_fields = fields


@admin.register(CustomerCache)
class CustomerCacheAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "sms_number", "updated_at")
    search_fields = ("=id", "name", "sms_number")
    ordering = ("name",)
    fields = ("id", "name", "sms_number", "updated_at")
    readonly_fields = fields
