from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WebConfig(AppConfig):
    name = "mallbots.kernel.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI extensions
        from .groups import sync_group_permissions, sync_role_groups

        post_migrate.connect(
            sync_group_permissions, dispatch_uid="mallbots.kernel.web.sync_group_permissions"
        )
        post_migrate.connect(sync_role_groups, dispatch_uid="mallbots.kernel.web.sync_role_groups")
