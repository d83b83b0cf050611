"""The follow-up's dashboard in the workbench (/admin/follow-up/): the year built by hand in
test_follow_up_by_hand.py, read as a Swedish officer reads it.

The figures and the targets in words and colour, the two SVG charts with a title, a
description and a table of the same figures, each count linked to exactly the tenders behind
it, the publish button for those who may publish (a correction needs a note), and each
organisation reading only its own follow-up (the platform operator chooses one)."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from audit.models import AuditEvent
from reports.models import PublishedReport
from tests.reports.test_follow_up_by_hand import _ok, year_2026  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/follow-up/"
TARGETS = (
    {"year": 2026, "metric": "category_share", "category": "animal_welfare", "target": "0.80"},
    {"year": 2026, "metric": "single_bid_share", "target": "0.40", "note": "Högst 40 %"},
    {"year": 2026, "metric": "sme_award_share", "target": "0.5"},
    {"year": 2026, "metric": "category_share", "category": "environmental", "target": "0.45"},
)


def sv(text: str) -> str:
    """A text as the Swedish catalogue has it (a new text reads Swedish once translated)."""
    with translation.override("sv"):
        return gettext(text)


def swedish(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "sv"
    return client


def text_of(response) -> str:
    """The page as a person reads it: no tags, no scripts or styles, single spaces."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    page = re.sub(r"<(span|strong|a)\b[^>]*>|</(span|strong|a)>", "", page)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ")
    return " ".join(text.split())


def figure_links(response) -> dict[str, str]:
    """figure key -> the link's address, for every linked count on the page."""
    found = {}
    for href in re.findall(r'href="([^"]*follow-up/tenders/[^"]*)"', response.content.decode()):
        url = html.unescape(href)
        found[parse_qs(urlsplit(url).query)["figure"][0]] = url
    return found


def references(response) -> dict[str, str]:
    """reference -> the last column, for each tender a figure's page lists."""
    assert response.status_code == 200
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [
            " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        rows[cells[0]] = cells[-1]
    return rows


@pytest.fixture
def officer_of(api):
    def user(role: str):
        return api(role)[1]

    return user


@pytest.fixture
def with_targets(year_2026):  # noqa: F811 - the imported fixture
    for body in TARGETS:
        _ok(year_2026.officer.post("/api/v1/follow-up-targets/", body, format="json"), 201)
    return year_2026


def test_the_dashboard_in_swedish_shows_the_figures_and_the_targets_in_words(
    with_targets, officer_of
):
    response = swedish(officer_of("officer")).get(f"{DASHBOARD}?year=2026")
    assert response.status_code == 200
    page = text_of(response)
    assert "Region Alice" in page
    # The targets: the metric, the target (a floor or a ceiling), the actual figure with one
    # decimal, and met or not in words beside the sign and the colour.
    assert "Andel upphandlingar med ett kriterium i kategorin Djurskydd" in page
    assert f"{sv('at least %(share)s') % {'share': '80,0 %'}} 25,0 %" in page
    assert f"{sv('at most %(share)s') % {'share': '40,0 %'}} 33,3 %" in page
    assert "✓ Uppfyllt" in page and f"✗ {sv('Not met')}" in page
    with translation.override("sv"):
        summary = ngettext(
            "%(met)s of %(count)s target met.", "%(met)s of %(count)s targets met.", 4
        )
    assert summary % {"met": 3, "count": 4} in page  # environmental 0.5 >= 0.45
    content = response.content.decode()
    assert 'class="fu-status fu-status-ok"' in content
    assert 'class="fu-status fu-status-error"' in content
    # The figures, the Swedish way.
    for figure in (
        "Publicerade 4",
        "Avbrutna 1",
        "Uppdelade i delkontrakt 1",
        "Med ett enda anbud 1",
        "Inlämnade 7",
        "Mikroföretag 2",
        "Storlek okänd 2",
        "Tilldelade delkontrakt 4",
        "Värde (SEK) 1 100 000,00 kr",
        "Små och medelstora företags andel av delkontrakten 50,0 %",
        "Små och medelstora företags andel av värdet 72,7 %",
        "Idéburnas andel av värdet 27,3 %",
    ):
        assert figure in page, figure
    # The categories against their targets: the chart and a table of the same figures.
    assert "Miljö 2 50,0 %" in page
    assert "Djurskydd 1 25,0 %" in page
    svgs = re.findall(r"<svg\b[^>]*fu-chart.*?</svg>", content, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        assert all(f'id="{name}"' in svg for name in labelled)
    shares, trend = svgs
    assert "Miljö: 50,0\u00a0%" in shares  # a bar's own title
    assert 'class="fu-target"' in shares  # the targets' marker lines
    assert "2022" in trend and "2026" in trend
    assert page.count(sv("The chart's figures")) == 2
    # The trend's table: a row per series, a column per year. Nothing before 2025; in 2025
    # one tender (T7, no criteria) and no award.
    assert "Miljö — — — 0,0 % 50,0 %" in page
    assert f"{sv('SME share of the awarded lots')} — — — — 50,0 %" in page


def test_a_target_with_nothing_to_measure_says_so(year_2026, officer_of):  # noqa: F811
    body = {"year": 2027, "metric": "non_profit_award_share", "target": "0.10"}
    _ok(year_2026.officer.post("/api/v1/follow-up-targets/", body, format="json"), 201)
    response = swedish(officer_of("officer")).get(f"{DASHBOARD}?year=2027")
    page = text_of(response)
    assert f"\N{EN DASH} {sv('Nothing to measure yet')}" in page
    # 2027 has not begun: nothing to publish yet.
    assert "follow-up/publish/" not in response.content.decode()
    # The year select offers the years with data and this one, the newest first.
    years = re.findall(r'<option value="(\d{4})"', response.content.decode())
    assert years == ["2027", "2026", "2025"]


def test_each_figure_links_to_exactly_the_tenders_behind_it(with_targets, officer_of):
    client = swedish(officer_of("officer"))
    links = figure_links(client.get(f"{DASHBOARD}?year=2026"))
    expected = {
        "tenders.published": {"T1", "T2", "T3", "T5"},
        "tenders.cancelled": {"T4"},
        "tenders.divided_into_lots": {"T2"},
        "tenders.opened": {"T1", "T2", "T3"},
        "tenders.single_bid": {"T3"},
        "categories.environmental.tenders": {"T1", "T5"},
        "categories.environmental.award": {"T1", "T5"},
        "categories.environmental.advanced_or_spearhead": {"T1"},
        "categories.social.tenders": {"T1", "T2"},
        "categories.social.contract_condition": {"T2"},
        "categories.animal_welfare.tenders": {"T2"},
    }
    for key, tenders in expected.items():
        assert set(references(client.get(links[key]))) == tenders, key
    # Bids and awarded lots: the tenders they were on, with how many each holds.
    assert references(client.get(links["bids.submitted"])) == {
        "T1": "2",
        "T2": "3",
        "T3": "1",
        "T5": "1",
    }
    assert references(client.get(links["bids.by_sme_class.micro"])) == {"T1": "1", "T3": "1"}
    assert references(client.get(links["bids.by_sme_class.unknown"])) == {"T2": "1", "T5": "1"}
    assert references(client.get(links["bids.non_profit"])) == {"T2": "1"}
    # T7 was published in 2025, its award decided in 2026: its lot counts in 2026.
    assert references(client.get(links["awards.lots"])) == {"T7": "1", "T1": "1", "T2": "2"}
    assert references(client.get(links["awards.sme"])) == {"T1": "1", "T2": "1"}
    assert references(client.get(links["awards.non_profit"])) == {"T2": "1"}
    # A count of nothing has no link; every linked figure lists its tenders.
    assert "categories.small_supplier.tenders" not in links
    assert "bids.by_sme_class.medium" not in links
    for url in links.values():
        assert client.get(url).status_code == 200
    # The page links each tender to its own page.
    page = client.get(links["categories.environmental.tenders"]).content.decode()
    assert page.count("/admin/procurement/tender/") >= 2
    # A figure that is none is not found.
    assert client.get(f"{DASHBOARD}tenders/?year=2026&figure=tenders.nothing").status_code == 404
    assert client.get(f"{DASHBOARD}tenders/?year=2026&figure=bids").status_code == 404


def test_an_evaluator_reads_the_follow_up_but_may_not_publish(with_targets, officer_of):
    evaluator = swedish(officer_of("evaluator"))
    response = evaluator.get(f"{DASHBOARD}?year=2026")
    assert response.status_code == 200
    assert "✓ Uppfyllt" in text_of(response)
    assert "follow-up/publish/" not in response.content.decode()
    assert evaluator.get(f"{DASHBOARD}publish/?year=2026").status_code == 403
    assert evaluator.post(f"{DASHBOARD}publish/?year=2026", {"note": ""}).status_code == 403
    assert not PublishedReport.objects.exists()
    # The start page links the desk roles to the follow-up; the evaluator's desk is scoring.
    assert "/admin/follow-up/" not in evaluator.get("/admin/").content.decode()
    for role in ("officer", "admin", "auditor"):
        assert "/admin/follow-up/" in swedish(officer_of(role)).get("/admin/").content.decode()


def test_another_organisation_reads_only_its_own_and_the_operator_chooses(
    with_targets, officer_of, other_officer, superuser, buyer
):
    bob = swedish(other_officer)
    own = bob.get(f"{DASHBOARD}?year=2026")
    assert own.status_code == 200
    page = text_of(own)
    assert "Region Bob" in page and "Region Alice" not in page
    assert "Publicerade 0" in page and "Inlämnade 0" in page
    alice = f"organization={buyer.pk}"
    assert bob.get(f"{DASHBOARD}?year=2026&{alice}").status_code == 404
    figure = f"{DASHBOARD}tenders/?year=2026&figure=tenders.published&{alice}"
    assert bob.get(figure).status_code == 404
    assert bob.post(f"{DASHBOARD}publish/?year=2026&{alice}").status_code == 404
    assert not PublishedReport.objects.exists()

    operator = swedish(superuser)
    chooser = operator.get(DASHBOARD)
    assert chooser.status_code == 200
    names = re.findall(r'<option value="[0-9a-f-]{36}"[^>]*>([^<]+)<', chooser.content.decode())
    assert names == ["Region Alice", "Region Bob"]
    chosen = operator.get(f"{DASHBOARD}?year=2026&{alice}")
    assert "Publicerade 4" in text_of(chosen) and "✓ Uppfyllt" in text_of(chosen)
    # The operator's links keep the organisation; the operator reads, never publishes.
    links = figure_links(chosen)
    assert set(references(operator.get(links["tenders.single_bid"]))) == {"T3"}
    assert "follow-up/publish/" not in chosen.content.decode()
    assert operator.get(f"{DASHBOARD}publish/?year=2026&{alice}").status_code == 403


def test_publishing_from_the_dashboard_makes_version_1_and_a_correction_needs_a_note(
    with_targets, officer_of, buyer
):
    officer = swedish(officer_of("officer"))
    dashboard = officer.get(f"{DASHBOARD}?year=2026")
    assert "follow-up/publish/?year=2026" in dashboard.content.decode()
    confirm = officer.get(f"{DASHBOARD}publish/?year=2026")
    assert confirm.status_code == 200
    page = text_of(confirm)
    assert "Vad som kommer att hända" in page
    assert f"/follow-up/{buyer.pk}/2026/" in page  # where it will be public
    done = officer.post(f"{DASHBOARD}publish/?year=2026", {"note": ""})
    assert done.status_code == 302 and done["Location"] == f"{DASHBOARD}?year=2026"
    first = PublishedReport.objects.get()
    assert first.version == 1 and first.organization == buyer
    assert AuditEvent.objects.filter(action="follow_up.published").count() == 1
    page = text_of(officer.get(f"{DASHBOARD}?year=2026"))
    assert first.sha256 in page
    assert "30 december 2026 kl. 10.00 CET" in page
    # Again without a note: refused, nothing published; with one: version 2 replaces 1.
    refused = officer.post(f"{DASHBOARD}publish/?year=2026", {"note": "  "})
    assert refused.status_code == 200
    assert 'role="alert"' in refused.content.decode()
    assert PublishedReport.objects.count() == 1
    officer.post(f"{DASHBOARD}publish/?year=2026", {"note": "T2 rättad"})
    second = PublishedReport.objects.get(version=2)
    assert second.replaces == first and second.note == "T2 rättad"
    page = text_of(officer.get(f"{DASHBOARD}?year=2026"))
    assert "T2 rättad" in page and second.sha256 in page and first.sha256 in page
