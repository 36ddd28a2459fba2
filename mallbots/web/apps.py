from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "mallbots.web"
    label = "web"
    verbose_name = "Web"
