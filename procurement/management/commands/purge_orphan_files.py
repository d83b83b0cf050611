import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from procurement.services.documents import purge_orphan_files


class Command(BaseCommand):
    help = (
        "Delete stored document files that no tender or bid document points to (left by a "
        "transaction that rolled back after the file was written). Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="Only files at least this old (default 60): younger ones may belong to an "
            "upload still in progress.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files; delete nothing."
        )

    def handle(self, *args, older_than_minutes, dry_run, **options):
        if older_than_minutes < 1:
            raise CommandError("--older-than-minutes must be at least 1.")
        names = purge_orphan_files(
            older_than=dt.timedelta(minutes=older_than_minutes), dry_run=dry_run
        )
        verb = "would delete" if dry_run else "deleted"
        for name in names:
            self.stdout.write(f"{verb} {name}")
        self.stdout.write(f"{len(names)} orphan file(s) {verb}.")
