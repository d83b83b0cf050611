"""Open data: OCDS releases stored once per lifecycle milestone, records compiled with
ocdsmerge, and the public feed's reads (ARCHITECTURE.md, "Second wave")."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publication"
    verbose_name = _("Open data")

    def ready(self) -> None:
        from audit.outbox import events_committed  # noqa: PLC0415 - apps are ready now
        from publication.services import on_event_committed  # noqa: PLC0415

        events_committed.connect(on_event_committed, dispatch_uid="publication")
