"""The shared criteria library (organization = null), shipped as data.

Reads criteria/library/shared_criteria.json as it is at this migration. A later change of the
library is a new migration that adds criteria or new versions, never an edit of this one.
"""

import json
from pathlib import Path

from django.db import migrations

LIBRARY = Path(__file__).resolve().parent.parent / "library" / "shared_criteria.json"


def load(apps, schema_editor):
    Criterion = apps.get_model("criteria", "Criterion")
    for item in json.loads(LIBRARY.read_text(encoding="utf-8")):
        if Criterion.objects.filter(organization__isnull=True, code=item["code"]).exists():
            continue
        Criterion.objects.create(
            organization=None,
            code=item["code"],
            version=item.get("version", 1),
            category=item["category"],
            level=item["level"],
            kind=item["kind"],
            title=item["title"]["sv"],
            title_en=item["title"]["en"],
            description=item["description"]["sv"],
            description_en=item["description"]["en"],
            reason=item["reason"]["sv"],
            reason_en=item["reason"]["en"],
            verification=item["verification"]["sv"],
            verification_en=item["verification"]["en"],
            unit=item.get("unit") or "",
            rule=item["rule"],
            source=item.get("source") or "bid",
            profile_field=item.get("profile_field") or "",
            ocds=item.get("ocds"),
            source_reference=item.get("source_reference") or "",
        )


def unload(apps, schema_editor):
    Criterion = apps.get_model("criteria", "Criterion")
    codes = [item["code"] for item in json.loads(LIBRARY.read_text(encoding="utf-8"))]
    Criterion.objects.filter(organization__isnull=True, code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("criteria", "0003_tender_amendment")]

    operations = [migrations.RunPython(load, unload)]
