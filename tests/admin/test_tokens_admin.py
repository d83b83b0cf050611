"""Integration tokens in the admin: an organisation's admin creates one, sees it once, revokes it."""

import re

from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from audit.models import AuditEvent
from procurement.models import ApiToken
from procurement.services.tokens import issue_integration_token, issue_login_token
from tests.admin.test_admin import logged_in, url


def test_an_admin_creates_an_integration_token_sees_it_once_and_revokes_it(make_user, buyer):
    admin_user = make_user("admin", buyer, is_staff=True)
    system = make_user("officer", buyer, username="contract-register")
    client = logged_in(admin_user)

    response = client.post(
        url(ApiToken, "add"), {"user": system.pk, "name": "Avtalsregistret", "expires_in_days": 30}
    )
    assert response.status_code == 302, response.content[:2000]
    queued = " ".join(str(m) for m in get_messages(response.wsgi_request))
    raw = re.search(r"The token for Avtalsregistret: (\S+) ", queued).group(1)
    token = ApiToken.objects.get(name="Avtalsregistret")
    assert token.kind == "integration" and token.user == system
    assert raw not in token.digest

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/tenders/").status_code == 200

    first = client.get(url(ApiToken))  # the page after saving shows it
    assert raw.encode() in first.content
    again = client.get(url(ApiToken, "change", token.pk))  # and no page after that
    assert again.status_code == 200
    assert raw.encode() not in again.content

    assert client.post(url(ApiToken, "delete", token.pk), {"post": "yes"}).status_code == 302
    assert api.get("/api/v1/tenders/").status_code == 401
    assert AuditEvent.objects.filter(action="auth.token_revoked").count() == 1


def test_an_officer_cannot_create_tokens_and_sees_only_their_own(make_user, buyer, other_buyer):
    officer = make_user("officer", buyer, is_staff=True)
    colleague = make_user("officer", buyer)
    stranger = make_user("admin", other_buyer)

    mine, _ = issue_login_token(user=officer)
    issue_login_token(user=colleague)
    issue_integration_token(actor=stranger, user=stranger, name="Theirs")
    client = logged_in(officer)
    assert client.get(url(ApiToken, "add")).status_code == 403
    listing = client.get(url(ApiToken))
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [mine]
