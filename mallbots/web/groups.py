"""For data migrations of contexts: give groups the permissions of the context's models.

    def grant_permissions(apps, schema_editor):
        grant(apps, "stores", {"store-managers": ["add_store", ...], "kiosk": ["view_store"]})

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]

Django creates model permissions after migrations; this creates them first, so a fresh
database has the groups fully set up when `migrate` finishes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions


def grant(apps: Any, app_label: str, by_group: dict[str, list[str]]) -> None:
    app_config = apps.get_app_config(app_label)
    # Historical app configs have no models module, which create_permissions takes as "no models".
    app_config.models_module = True
    try:
        create_permissions(app_config, verbosity=0, apps=apps)
    finally:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in by_group.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise LookupError(f"unknown permissions of {app_label}: {sorted(missing)}")
        group.permissions.add(*found)
