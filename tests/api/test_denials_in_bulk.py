"""A loop of forbidden requests leaves a few audit events with a count, not one chained event
per request: refusals are counted per user, method and route, the first in the hour and every
hundredth after it recorded."""

import pytest

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_two_hundred_forbidden_requests_leave_three_events(api):
    evaluator, user = api("evaluator")
    before = AuditEvent.objects.count()
    answers = {
        evaluator.post("/api/v1/tenders/", {}, format="json").status_code for _ in range(200)
    }
    assert answers == {403}
    denied = AuditEvent.objects.filter(action="permission.denied", actor_id=user.pk)
    assert [e.data["denials_in_hour"] for e in denied.order_by("sequence")] == [1, 100, 200]
    assert AuditEvent.objects.count() - before == 3


def test_each_forbidden_operation_is_recorded_once_at_least(api):
    auditor, user = api("auditor")
    assert auditor.post("/api/v1/tenders/", {}, format="json").status_code == 403
    assert auditor.post("/api/v1/criteria/", {}, format="json").status_code == 403
    paths = {
        e.data["path"] for e in AuditEvent.objects.filter(action="permission.denied", actor=user)
    }
    assert paths == {"/api/v1/tenders/", "/api/v1/criteria/"}
