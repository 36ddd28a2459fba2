"""The kiosk starts, fills, checks out, cancels and shows baskets."""

from django.db import migrations

from mallbots.web.groups import grant


def grant_permissions(apps, schema_editor):
    grant(apps, "baskets", {"kiosk": ["add_basket", "change_basket", "delete_basket", "view_basket"]})


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0001_initial"),
        ("web", "0001_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
