"""The data migration gives the groups of API.md their stores permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def stores_permissions(group: str) -> set[str]:
    return set(
        Group.objects.get(name=group)
        .permissions.filter(content_type__app_label="stores")
        .values_list("codename", flat=True)
    )


def test_store_managers_run_stores_and_products():
    assert stores_permissions("store-managers") == {
        f"{action}_{model}"
        for action in ("add", "change", "delete", "view")
        for model in ("store", "product")
    }


def test_kiosks_only_view_stores_and_products():
    assert stores_permissions("kiosk") == {"view_store", "view_product"}


def test_depot_operators_get_nothing_of_stores():
    assert stores_permissions("depot-operators") == set()
