from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "mallbots.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI extensions
