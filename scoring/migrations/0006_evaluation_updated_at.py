"""Evaluation.updated_at, for ``?updated_since=`` on the evaluation lists.

Added as a nullable column without a default, so that SQLite adds it in place instead of
rebuilding the table (a rebuild would drop the immutability triggers of 0002). Runs that can
still change (queued, running, failed) take their last known change; completed runs stay null:
the database refuses any change to them, and their ``finished_at`` is their last change (the
API reads it in place of a null ``updated_at``).
"""

from django.db import migrations, models
from django.db.models.functions import Coalesce


def set_last_change(apps, schema_editor):
    Evaluation = apps.get_model("scoring", "Evaluation")
    Evaluation.objects.exclude(status="done").update(
        updated_at=Coalesce("finished_at", "started_at", "created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0005_awarded_bids"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="updated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="updated at"),
        ),
        migrations.RunPython(set_last_change, migrations.RunPython.noop),
    ]
