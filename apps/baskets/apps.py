from django.apps import AppConfig


class BasketsConfig(AppConfig):
    name = "apps.baskets"
    label = "baskets"
    default_auto_field = "django.db.models.BigAutoField"
