"""Publish the OCDS releases of every audit event not read yet: the backfill for tenders
recorded before publication existed, and what the periodic sweep does (idempotent)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from publication.services import sweep


class Command(BaseCommand):
    help = _("Publish the OCDS releases of every milestone event not read yet (idempotent).")

    def handle(self, *args, **options):
        stored = sweep()
        if options["verbosity"]:
            self.stdout.write(
                ngettext(
                    "%(count)d OCDS release published.",
                    "%(count)d OCDS releases published.",
                    stored,
                )
                % {"count": stored}
            )
