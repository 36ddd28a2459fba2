"""The admin site of the mall: branded, with what staff use in each context's section and the
tables only operators need (caches and copies of other contexts' data) in a "Technical"
section at the end of the index and the sidebar."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

TECHNICAL = "technical"


def is_technical(model: dict[str, Any]) -> bool:
    """A context's cache or copy of another context's data (StoreCache, OrderCopy, ...)."""
    name = model["object_name"]
    return bool(name.endswith(("Cache", "Copy")))


class MallAdminSite(admin.AdminSite):
    site_header = "MallBots back office"
    site_title = "MallBots"
    index_title = "Dashboard"
    site_url = "/"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        if app_label is not None:  # one context's own page lists all its models
            return apps
        technical: list[dict[str, Any]] = []
        kept = []
        for app in apps:
            mine = [model for model in app["models"] if not is_technical(model)]
            technical += [
                {**model, "name": f"{app['name']}: {model['name']}"}
                for model in app["models"]
                if is_technical(model)
            ]
            if mine:
                kept.append({**app, "models": mine})
        if technical:
            kept.append(
                {
                    "name": "Technical: what each context keeps of the others",
                    "app_label": TECHNICAL,
                    "app_url": "",
                    "has_module_perms": True,
                    "models": technical,
                }
            )
        return kept
