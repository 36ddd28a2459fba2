"""The groups of API.md. Each bounded context declares the permissions they get on its
AppConfig; mallbots.kernel.web.groups grants them after every migrate."""

from django.db import migrations

GROUPS = ["kiosk", "store-managers", "depot-operators"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_groups, delete_groups)]
