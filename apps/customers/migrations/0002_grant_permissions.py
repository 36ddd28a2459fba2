"""The kiosk registers customers, reads them and changes them (SMS number, enable, disable)."""

from django.db import migrations

from mallbots.web.groups import grant


def grant_permissions(apps, schema_editor):
    grant(apps, "customers", {"kiosk": ["add_customer", "change_customer", "view_customer"]})


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("web", "0001_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
