from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff dashboard on the admin index. Listed before django.contrib.admin so its
    admin/index.html wins; it reads the contexts only through their contracts."""

    name = "mallbots.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
