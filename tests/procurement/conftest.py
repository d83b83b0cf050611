"""For the direct tests of procurement/services: a refusal is the right error and leaves
nothing behind."""

from contextlib import contextmanager
from pathlib import Path

import pytest
from django.apps import apps

from audit.models import AuditEvent


def snapshot(settings) -> dict:
    """Every row of the domain apps' tables and every stored file."""
    rows = {}
    for label in ("procurement", "criteria", "audit", "scoring"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    media = Path(settings.MEDIA_ROOT)
    files = sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else []
    return {"rows": rows, "files": files}


@pytest.fixture
def refused(settings):
    """``with refused(StateConflict, "tender_frozen"): service(...)``: the call raises that
    error class with that code, and no row or file is left changed."""

    @contextmanager
    def check(error, code=None):
        before = snapshot(settings)
        with pytest.raises(error) as caught:
            yield caught
        if code is not None:
            assert caught.value.code == code, caught.value.message
        after = snapshot(settings)
        for label, rows in before["rows"].items():
            assert after["rows"][label] == rows, f"{label} changed by a refused call"
        assert after["files"] == before["files"]

    return check


@pytest.fixture
def event():
    """``event(action, obj)``: the one audit event of that action about that object."""

    def get(action, obj=None, **filters):
        if obj is not None:
            filters["object_id"] = str(obj.pk)
        found = list(AuditEvent.objects.filter(action=action, **filters))
        assert len(found) == 1, f"{len(found)} {action} events"
        return found[0]

    return get
