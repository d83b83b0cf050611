import datetime as dt
import functools
from pathlib import Path

import yaml
from django.utils import timezone

OPENAPI_YAML = Path(__file__).resolve().parents[2] / "openapi.yaml"

TENDER = {
    "reference": "RK-2026-0042",
    "title": "Kött och ägg till regionens kök",
    "procedure": "open",
    "cpv_codes": ["15110000"],
    "currency": "SEK",
    "estimated_value": {"amount": "5000000.00", "currency": "SEK"},
    "evaluation": {"method": "lowest_price"},
    "no_lots_reason": "Kött och ägg levereras tillsammans till samma kök.",
}


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def create_tender(client, *, days=40, **overrides):
    body = {
        **TENDER,
        "submission_deadline": iso(timezone.now() + dt.timedelta(days=days)),
        **overrides,
    }
    response = client.post("/api/v1/tenders/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def publish(client, tender_id):
    response = client.post(f"/api/v1/tenders/{tender_id}/publish/")
    assert response.status_code == 200, response.json()
    return response.json()


def bid(client, tender_id, amount="1000000.00", **extra):
    response = client.post(
        "/api/v1/bids/",
        {"tender": tender_id, "price": {"amount": amount, "currency": "SEK"}, **extra},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def submit(client, bid_id):
    response = client.post(f"/api/v1/bids/{bid_id}/submit/")
    assert response.status_code == 200, response.json()
    return response.json()


@functools.cache
def openapi_document() -> dict:
    """The committed openapi.yaml, parsed once per process with libyaml (PyYAML's pure-Python
    parser takes about half a second for it). Callers must not change it."""
    return yaml.load(OPENAPI_YAML.read_text(), Loader=yaml.CSafeLoader)
