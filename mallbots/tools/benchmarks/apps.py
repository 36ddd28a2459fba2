from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "mallbots.tools.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"
    default_auto_field = "django.db.models.BigAutoField"
