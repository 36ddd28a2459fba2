"""The back office's roles that span every context: auditors (view only) and administrators
(everything but user management). mallbots.kernel.web.groups grants their permissions after every
migrate."""

from django.db import migrations

GROUPS = ["auditors", "administrators"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("web", "0001_staff_groups")]

    operations = [migrations.RunPython(create_groups, delete_groups)]
