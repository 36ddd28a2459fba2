from typing import Any

from django import template

from mallbots.backoffice.dashboard import Dashboard, dashboard_for

register = template.Library()


@register.simple_tag(takes_context=True)
def mall_dashboard(context: dict[str, Any]) -> Dashboard:
    """`{% mall_dashboard as dashboard %}`: the figures the requesting staff member may see."""
    return dashboard_for(context["request"].user)
