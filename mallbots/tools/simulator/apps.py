from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "mallbots.tools.simulator"
    label = "simulator"
    verbose_name = "Simulator"
    default_auto_field = "django.db.models.BigAutoField"
