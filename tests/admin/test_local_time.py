"""Officers enter and read times in Swedish time (TIME_ZONE, Europe/Stockholm by default); the
API and everything stored speak UTC."""

import datetime as dt

import pytest
from django.conf import settings

from procurement.models import Tender
from tests.admin.test_admin import logged_in, tender_form, url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "stored_utc"),
    [
        pytest.param("2027-01-15", "2027-01-15T11:00:00Z", id="winter: CET, UTC+1"),
        pytest.param("2027-07-15", "2027-07-15T10:00:00Z", id="summer: CEST, UTC+2"),
    ],
)
def test_a_deadline_typed_at_noon_swedish_time_is_stored_in_utc(
    officer, client_for, day, stored_utc, time_machine
):
    assert settings.TIME_ZONE == "Europe/Stockholm"
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
    response = logged_in(officer).post(
        url(Tender, "add"),
        tender_form(submission_deadline_0=day, submission_deadline_1="12:00:00"),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    tender = Tender.objects.get(reference="ADM-FORM-1")
    assert tender.submission_deadline.isoformat().replace("+00:00", "Z") == stored_utc
    api = client_for(officer).get(f"/api/v1/tenders/{tender.pk}/").json()
    assert api["submission_deadline"] == stored_utc
    page = logged_in(officer).get(url(Tender, "change", tender.pk)).content.decode()
    assert 'value="12:00:00"' in page and f'value="{day}"' in page
