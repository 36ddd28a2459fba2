"""The staff groups of the API (kiosk, store-managers, depot-operators) get the permissions
each bounded context declares on its AppConfig:

    class StoresConfig(AppConfig):
        group_permissions = {"store-managers": ["add_store", ...], "kiosk": ["view_store"]}

A data migration creates the groups (web 0001); after every `migrate` (and after a database
flush, which tests do) this tops them up from the declarations, so a new permission or a new
context reaches the groups without a migration per change."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps


def sync_group_permissions(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver: grant `sender.group_permissions` (runs after auth has created
    the sender's model permissions, since auth's receiver is connected first)."""
    by_group: dict[str, list[str]] | None = getattr(sender, "group_permissions", None)
    if not by_group:
        return
    apps = apps or global_apps  # a flush sends post_migrate without the migration state
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated in this database
        return
    for group_name, codenames in by_group.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        found = list(Permission.objects.filter(content_type__app_label=sender.label, codename__in=codenames))
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise LookupError(
                f"{sender.label}.group_permissions names unknown permissions: {sorted(missing)}"
            )
        group.permissions.add(*found)


# Roles that span every context are granted here rather than by each AppConfig: auditors view
# everything, administrators do everything, but neither touches users, groups or API tokens
# (a token's key is its user's access).
AUDITORS = "auditors"
ADMINISTRATORS = "administrators"
USER_MANAGEMENT_APPS = frozenset({"auth", "authtoken"})


def sync_role_groups(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver: grant the auditors every view permission and the administrators
    every permission outside user management, of the models of `sender`."""
    if sender.label in USER_MANAGEMENT_APPS:
        return
    apps = apps or global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    of_sender = Permission.objects.filter(content_type__app_label=sender.label)
    auditors, _ = Group.objects.get_or_create(name=AUDITORS)
    auditors.permissions.add(*of_sender.filter(codename__startswith="view_"))
    administrators, _ = Group.objects.get_or_create(name=ADMINISTRATORS)
    administrators.permissions.add(*of_sender)
