from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Imported once the models are loaded.
        from audit.outbox import events_committed  # noqa: PLC0415
        from webhooks.receivers import on_events_committed  # noqa: PLC0415

        events_committed.connect(on_events_committed, dispatch_uid="webhooks")
