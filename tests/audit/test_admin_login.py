import pytest
from django.test import Client

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_failed_admin_login_is_recorded_once():
    response = Client().post("/admin/login/", {"username": "mallory", "password": "guess"})
    assert response.status_code == 200  # the login form again
    events = AuditEvent.objects.filter(action="auth.login_failed")
    assert [(e.data["username"], e.data["path"]) for e in events] == [("mallory", "/admin/login/")]


def test_a_failed_token_request_is_recorded_once(client):
    client.post(
        "/api/v1/auth/token/",
        {"username": "mallory", "password": "guess"},
        content_type="application/json",
    )
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1
