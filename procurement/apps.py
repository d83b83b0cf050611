from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Procurement")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from procurement import signals  # noqa: F401, PLC0415 - connects the receivers once models load
