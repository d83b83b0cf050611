from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The officers' screens in the admin (a presentation layer, like ``api``)."""

    name = "workbench"
    verbose_name = _("Workbench")
