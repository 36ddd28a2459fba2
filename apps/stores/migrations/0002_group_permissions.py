"""Store managers run stores and products; kiosks show the catalog."""

from django.db import migrations

from mallbots.web.groups import grant


def grant_permissions(apps, schema_editor):
    grant(
        apps,
        "stores",
        {
            "store-managers": [
                f"{action}_{model}"
                for model in ("store", "product")
                for action in ("add", "change", "delete", "view")
            ],
            "kiosk": ["view_store", "view_product"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stores", "0001_initial"),
        ("web", "0001_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
