from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    """The staff dashboard on the admin index. Listed before django.contrib.admin so its
    admin/index.html wins; it reads the contexts only through their contracts."""

    name = "mallbots.backoffice"
    label = "backoffice"
    verbose_name = "Back office"


class MallAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the mall's site (branding, the technical section). Named in
    INSTALLED_APPS by its path; `default = False` keeps BackofficeConfig this module's default."""

    default = False
    default_site = "mallbots.backoffice.site.MallAdminSite"
