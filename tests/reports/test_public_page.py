"""The published follow-up report for everyone (/follow-up/<organisation>/<year>/): a plain
page to read and print, without logging in, in Swedish and English, with the organisation's
name, the year, the version (and what it replaces, and why), its SHA-256 and the date of
publication; only what the published JSON holds, frozen when it was published."""

import hashlib
import re

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from reports.models import PublishedReport
from tests.reports.test_dashboard import TARGETS, text_of
from tests.reports.test_follow_up_by_hand import _ok, year_2026  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def sv(text: str) -> str:
    with translation.override("sv"):
        return gettext(text)


@pytest.fixture
def published(year_2026, buyer):  # noqa: F811 - the imported fixture
    officer = year_2026.officer
    for body in TARGETS:
        _ok(officer.post("/api/v1/follow-up-targets/", body, format="json"), 201)
    first = _ok(
        officer.post("/api/v1/reports/follow-up/publish/", {"year": 2026}, format="json"), 201
    )
    return {"region": year_2026, "page": f"/follow-up/{buyer.pk}/2026/", "first": first}


def test_the_public_page_shows_the_report_in_swedish_without_logging_in(published):
    response = Client().get(published["page"] + "?lang=sv")
    assert response.status_code == 200
    assert response["Content-Language"] == "sv"
    assert "Accept-Language" in response["Vary"]
    content = response.content.decode()
    assert '<html lang="sv">' in content
    assert "/admin/" not in content  # no workbench around it
    page = text_of(response)
    first = published["first"]
    assert "Organisation Region Alice" in page
    assert "Period 1 januari 2026\N{EN DASH}31 december 2026" in page
    assert "Version 1" in page
    assert f"SHA-256 {first['sha256']}" in page
    assert "Publicerad 30 december 2026 kl. 10.00 CET" in page
    assert "http://testserver/api/v1/public/organizations/" in page  # the JSON
    # Every figure, labelled in Swedish, shares as percentages with one decimal.
    for figure in (
        "Publicerade 4",
        "Avbrutna 1",
        "Inlämnade 7",
        "Tilldelade delkontrakt 4",
        "Värde (SEK) 1 100 000,00 kr",
        "Små och medelstora företags andel av värdet 72,7 %",
        "Miljö 2 50,0 %",
    ):
        assert figure in page, figure
    assert "✓ Uppfyllt" in page and f"✗ {sv('Not met')}" in page
    assert f"{sv('at most %(share)s') % {'share': '40,0 %'}} 33,3 %" in page
    # The chart, with its title and description, as on the dashboard.
    assert re.search(r'<svg\b[^>]*role="img"[^>]*fu-chart', content)
    assert "<desc id=" in content
    # Nothing that is not in the published JSON: no tender and no id behind a figure.
    assert not re.search(r"\bT[1-7]\b", page)
    assert "explain" not in content


def test_the_public_page_in_english_and_by_the_browsers_language(published):
    english = Client().get(published["page"] + "?lang=en")
    assert english["Content-Language"] == "en"
    page = text_of(english)
    assert "Policy follow-up 2026" in page
    assert "Published 30 December 2026, 10:00 CET" in page
    assert "✓ Met" in page and "✗ Not met" in page
    assert "at least 80.0% 25.0%" in page
    assert "Value (SEK) SEK 1,100,000.00" in page
    assert "Environmental 2 50.0%" in page
    # Without ?lang the browser's language decides.
    browser = Client().get(published["page"], HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9,en;q=0.5")
    assert browser["Content-Language"] == "sv"
    assert "Publicerad 30 december 2026" in text_of(browser)
    # The page offers the other language.
    assert 'href="/follow-up/' in english.content.decode() and "lang=sv" in english.content.decode()


def test_the_report_is_frozen_and_a_correction_names_what_it_replaces(published, clock):
    region = published["region"]
    first = published["first"]
    # A target set after publishing is not in the published report.
    later = {"year": 2026, "metric": "non_profit_award_share", "target": "0.30"}
    _ok(region.officer.post("/api/v1/follow-up-targets/", later, format="json"), 201)
    page = text_of(Client().get(published["page"] + "?lang=en"))
    assert "Share of awarded lots won by non-profits" not in page
    # The stored bytes are what the SHA-256 is over.
    stored = PublishedReport.objects.get(version=1)
    assert hashlib.sha256(stored.report_json.encode()).hexdigest() == first["sha256"]

    second = _ok(
        region.officer.post(
            "/api/v1/reports/follow-up/publish/",
            {"year": 2026, "note": "Målet för idéburna lades till."},
            format="json",
        ),
        201,
    )
    newest = text_of(Client().get(published["page"] + "?lang=en"))
    assert "Version 2 (replaces version 1)" in newest
    assert "What this version corrects Målet för idéburna lades till." in newest
    assert second["sha256"] in newest and "Share of awarded lots won by non-profits" in newest
    # The earlier version stays readable and says that another replaces it.
    earlier = Client().get(published["page"] + "?version=1&lang=en")
    assert earlier.status_code == 200
    text = text_of(earlier)
    assert f"SHA-256 {first['sha256']}" in text
    assert "This is version 1. Version 2 replaces it" in text
    assert "?version=1" in earlier.content.decode()  # its own JSON


def test_an_unpublished_year_is_not_found(published, buyer, other_buyer):
    client = Client()
    for address in (
        f"/follow-up/{buyer.pk}/2025/",
        f"/follow-up/{other_buyer.pk}/2026/",
        published["page"] + "?version=3",
        published["page"] + "?version=first",
    ):
        response = client.get(address + ("&" if "?" in address else "?") + "lang=sv")
        assert response.status_code == 404, address
        assert response["Content-Type"].startswith("text/html")
        assert sv("No published report") in text_of(response)
