from django.apps import AppConfig


class DepotConfig(AppConfig):
    name = "apps.depot"
    label = "depot"
    default_auto_field = "django.db.models.BigAutoField"
