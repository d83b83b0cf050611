"""API.md's language rule: ?lang=sv|en, else Accept-Language, else English; Content-Language
and Vary: Accept-Language on every answer; a language cookie never changes an API response."""

import uuid

import pytest
from django.utils import translation
from rest_framework import exceptions, serializers

from tests.api.helpers import TENDER, create_tender, publish

SWEDISH_HEADER = {"HTTP_ACCEPT_LANGUAGE": "sv-SE,sv;q=0.9"}


def _assert_language(response, language):
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


def test_an_unknown_address_in_swedish_and_english(api):
    client, _ = api("officer")
    sv = client.get("/api/v1/no-such-thing/?lang=sv")
    assert sv.status_code == 404
    assert sv.json()["title"] == "Hittades inte"
    assert sv.json()["detail"] == "Det finns inget på den här adressen."
    assert sv.json()["code"] == "not_found"
    _assert_language(sv, "sv")

    en = client.get("/api/v1/no-such-thing/")
    assert en.json()["title"] == "Not found"
    assert en.json()["detail"] == "There is nothing at this address."
    _assert_language(en, "en")


def test_an_unknown_object_is_not_found_in_swedish(api):
    client, _ = api("officer")
    response = client.get(f"/api/v1/tenders/{uuid.uuid4()}/", **SWEDISH_HEADER)
    assert response.status_code == 404
    assert response.json()["title"] == "Hittades inte"
    assert response.json()["detail"] == "Hittades inte."  # DRF's own Swedish catalogue
    _assert_language(response, "sv")


def test_a_service_error_with_field_errors_in_swedish(api):
    client, _ = api("officer")
    create_tender(client)
    again = client.post(
        "/api/v1/tenders/",
        {**TENDER, "submission_deadline": "2099-01-01T12:00:00Z"},
        format="json",
        **SWEDISH_HEADER,
    )
    assert again.status_code == 400
    body = again.json()
    assert body["title"] == "Ogiltiga uppgifter"
    assert body["detail"] == "Er organisation har redan en upphandling med det här diarienumret."
    assert body["code"] == "duplicate_reference"
    assert body["errors"] == [
        {"field": "/reference", "code": "unique", "message": "'RK-2026-0042' används redan."}
    ]
    _assert_language(again, "sv")


def test_a_state_conflict_in_swedish_names_the_state_in_swedish(api):
    client, _ = api("officer")
    tender = create_tender(client)
    publish(client, tender["id"])
    url = f"/api/v1/tenders/{tender['id']}/publish/"

    sv = client.post(url + "?lang=sv")
    assert sv.status_code == 409
    assert sv.json()["title"] == "Konflikt med aktuell status"
    assert sv.json()["detail"] == (
        "Upphandlingen är redan publicerad; bara ett utkast kan publiceras."
    )
    # Machine-readable parts stay as they are.
    assert sv.json()["code"] == "not_draft"
    assert sv.json()["current_status"] == "published"

    en = client.post(url)
    assert en.json()["title"] == "Conflict with the current state"
    assert en.json()["detail"] == "The tender is already published; only a draft can be published."


def test_a_serializer_validation_error_in_swedish(api):
    client, _ = api("officer")
    response = client.post("/api/v1/tenders/", {"title": "Ägg"}, format="json", **SWEDISH_HEADER)
    assert response.status_code == 400
    body = response.json()
    assert body["title"] == "Ogiltiga uppgifter"
    assert body["detail"].startswith("Uppgifterna är ogiltiga: ")
    reference = next(e for e in body["errors"] if e["field"] == "/reference")
    assert reference == {
        "field": "/reference",
        "code": "required",
        "message": "Det här fältet är obligatoriskt.",
    }


def test_a_permission_denial_in_swedish(api):
    bidder, _ = api("bidder")
    response = bidder.post("/api/v1/tenders/?lang=sv", TENDER, format="json")
    assert response.status_code == 403
    assert response.json()["title"] == "Inte tillåtet"
    assert response.json()["detail"] == "Din roll får inte göra detta."


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("", None, "en"),
        ("", "de", "en"),
        ("", "de-DE,de;q=0.9,en;q=0.5", "en"),
        ("", "de-DE,sv;q=0.8", "sv"),
        ("", "sv-SE,sv;q=0.9", "sv"),
        ("", "SV", "sv"),
        ("", "*", "en"),
        ("", "not a header;;;", "en"),
        ("?lang=en", "sv-SE,sv;q=0.9", "en"),
        ("?lang=sv", "en-GB", "sv"),
        ("?lang=sv-SE", None, "sv"),
        ("?lang=sv_SE", None, "sv"),
        ("?lang=" + "x" * 5000, "sv", "en"),
        ("?lang=de", "sv", "en"),  # an unknown lang is English, not an error
        ("?lang=", "sv", "sv"),  # an empty lang is no lang
    ],
)
def test_which_language_is_chosen(api, query, header, expected):
    client, _ = api("officer")
    headers = {"HTTP_ACCEPT_LANGUAGE": header} if header is not None else {}
    response = client.get(f"/api/v1/no-such-thing/{query}", **headers)
    assert response.status_code == 404
    _assert_language(response, expected)
    assert (
        response.json()["detail"]
        == {
            "sv": "Det finns inget på den här adressen.",
            "en": "There is nothing at this address.",
        }[expected]
    )


def test_a_language_cookie_does_not_change_an_api_response(api):
    client, _ = api("officer")
    client.cookies["django_language"] = "sv"
    response = client.get(f"/api/v1/tenders/{uuid.uuid4()}/")
    assert response.json()["title"] == "Not found"
    assert response.json()["detail"] == "Not found."
    _assert_language(response, "en")
    # ... while the header still decides.
    swedish = client.get(f"/api/v1/tenders/{uuid.uuid4()}/", **SWEDISH_HEADER)
    assert swedish.json()["title"] == "Hittades inte"


def test_the_admin_follows_the_language_cookie(client):
    """The admin's language is LocaleMiddleware's (the cookie of its language switch)."""
    client.cookies["django_language"] = "sv"
    response = client.get("/admin/login/")
    assert response["Content-Language"] == "sv"
    assert "Logga in" in response.content.decode()


def test_successful_answers_carry_the_language_too(api):
    client, _ = api("officer")
    response = client.get("/api/v1/tenders/", **SWEDISH_HEADER)
    assert response.status_code == 200
    _assert_language(response, "sv")


def test_swedish_and_english_answers_never_share_an_etag(api):
    client, _ = api("officer")
    tender = create_tender(client)
    url = f"/api/v1/tenders/{tender['id']}/"
    en = client.get(url)
    sv = client.get(url, **SWEDISH_HEADER)
    assert en.status_code == sv.status_code == 200
    assert en["ETag"] != sv["ETag"]

    # 304 keeps Vary and Content-Language; an English tag does not validate a Swedish answer.
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=sv["ETag"], **SWEDISH_HEADER)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == sv["ETag"]
    _assert_language(not_modified, "sv")
    assert "Authorization" in not_modified["Vary"]
    other_language = client.get(url, HTTP_IF_NONE_MATCH=en["ETag"], **SWEDISH_HEADER)
    assert other_language.status_code == 200
    _assert_language(other_language, "sv")
    # The same tag still works as If-Match for an update.
    patched = client.patch(url, {"title": "Ägg"}, format="json", HTTP_IF_MATCH=sv["ETag"])
    assert patched.status_code == 200


def test_evaluation_texts_with_both_languages_follow_the_same_rule(api):
    """The publish checks carry {"sv", "en"}: kept whole in `checks`, one language in `errors`."""
    client, _ = api("officer")
    tender = create_tender(client, days=-1)
    response = client.post(f"/api/v1/tenders/{tender['id']}/publish/", **SWEDISH_HEADER)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Upphandlingen kan inte publiceras förrän de här felen är åtgärdade."
    deadline = next(e for e in body["errors"] if e["code"] == "deadline_in_past")
    assert deadline["message"] == "Sista anbudsdag har redan passerat."
    check = next(c for c in body["checks"] if c["code"] == "deadline_in_past")
    assert check["message"] == {
        "sv": "Sista anbudsdag har redan passerat.",
        "en": "The submission deadline has already passed.",
    }


def test_texts_of_drf_that_its_own_catalogue_lacks_are_swedish_too():
    with translation.override("sv"):
        throttled = exceptions.Throttled(wait=5, detail="För många misslyckade inloggningar.")
        assert (
            str(throttled.detail)
            == "För många misslyckade inloggningar. Försök igen om 5 sekunder."
        )
        field = serializers.UUIDField()
        try:
            field.run_validation("not-a-uuid")
        except serializers.ValidationError as exc:
            assert exc.detail == ["Måste vara ett giltigt UUID."]
        else:
            raise AssertionError("not-a-uuid was accepted")


def test_the_engines_rule_errors_read_in_swedish_with_swedish_numbers(api):
    client, _ = api("officer")
    rule = {
        "type": "thresholds",
        "steps": [
            {"at_least": "50.5", "fulfilment": "0.5"},
            {"at_least": "40", "fulfilment": "1.5"},
        ],
    }
    body = {"code": "OWN-1", "title": "Egna steg", "category": "quality", "kind": "award"}
    sv = client.post("/api/v1/criteria/?lang=sv", {**body, "rule": rule}, format="json")
    assert sv.status_code == 400
    messages = {e["field"]: e["message"] for e in sv.json()["errors"]}
    assert messages["/rule/steps/1/fulfilment"] == (
        "uppfyllnadsgraden måste ligga mellan 0 och 1 (angivet: 1,5)"
    )
    fixed = {**rule, "steps": [rule["steps"][0], {"at_least": "40", "fulfilment": "1"}]}
    sv = client.post("/api/v1/criteria/?lang=sv", {**body, "rule": fixed}, format="json")
    messages = {e["field"]: e["message"] for e in sv.json()["errors"]}
    assert messages["/rule/steps/1/at_least"] == (
        "stegen måste gå uppåt: minst 40 måste vara större än föregående stegs 50,5"
    )
    assert sv.json()["errors"][0]["code"] == "steps_out_of_order"  # codes stay as they were
    en = client.post("/api/v1/criteria/", {**body, "rule": fixed}, format="json")
    messages = {e["field"]: e["message"] for e in en.json()["errors"]}
    assert messages["/rule/steps/1/at_least"] == (
        "steps must go up: at_least 40 must be greater than the previous step's 50.5"
    )
