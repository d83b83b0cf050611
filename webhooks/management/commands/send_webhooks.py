"""What the periodic sweep does, by hand (eager mode has no beat): read the events no task has
read yet, and send the deliveries and retries that are due (idempotent)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from webhooks.deliveries import sweep


class Command(BaseCommand):
    help = _("Send the webhook deliveries and retries that are due (idempotent).")

    def handle(self, *args, **options):
        tried = sweep()
        if options["verbosity"]:
            self.stdout.write(
                ngettext(
                    "%(count)d webhook delivery attempted.",
                    "%(count)d webhook deliveries attempted.",
                    tried,
                )
                % {"count": tried}
            )
