"""What a delivery says: ``{"type", "timestamp", "data"}``, built from an audit event.

Only what the organisation may tell its own systems and nothing sealed: the tender's id,
reference, title, status and organisation, links, and per event a few public facts (the
amendment's number and reason, how many bids were opened, the evaluation's id). Never a
price, a bid's content or a supplier's name.
"""

import datetime as dt
import json
from typing import Any

from django.conf import settings

from audit.models import AuditEvent
from procurement.models import Organization, Tender
from webhooks.models import PING


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def absolute(path: str) -> str:
    return f"{settings.ANBUD_PUBLIC_URL}{path}"


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The bytes sent and signed: sorted keys, compact, UTF-8 (the same on every attempt)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _tender(tender: Tender) -> dict[str, Any]:
    return {
        "id": str(tender.pk),
        "reference": tender.reference,
        "title": tender.title,
        "status": tender.effective_status,
        "submission_deadline": iso(tender.submission_deadline),
    }


def _organization(organization: Organization) -> dict[str, Any]:
    return {"id": str(organization.pk), "name": organization.name}


def _facts(event: AuditEvent) -> dict[str, Any]:
    """The event's own public facts (counts only after the opening)."""
    data = event.data or {}
    if event.action == "tender.amended":
        return {"amendment": {"number": data.get("amendment"), "reason": data.get("reason", "")}}
    if event.action == "tender.opened":
        return {"bids_opened": len(data.get("bids") or [])}
    if event.action == "evaluation.completed":
        return {
            "evaluation": {
                "id": event.object_id,
                "url": absolute(f"/api/v1/evaluations/{event.object_id}/"),
                "bids": data.get("bids"),
            }
        }
    if event.action == "tender.awarded":
        return {"award": {"standstill_ends_at": data.get("standstill_ends_at")}}
    if event.action == "tender.cancelled":
        return {"reason": data.get("reason", "")}
    if event.action.startswith("contract."):
        return _contract_facts(event, data)
    return {}


# What a contract event tells: ids, dates, statuses and counts; never an answer, a statement,
# a description or an evidence file (the supplier's own words stay in the API, for readers).
_CONTRACT_FACTS = {
    "contract.signed": ("reference", "lot", "signed_on", "starts_on", "ends_on", "commitments"),
    "contract.check_requested": ("check", "commitment", "due_on", "requested_at"),
    "contract.check_overdue": ("check", "commitment", "due_on"),
    "contract.deviation_opened": ("deviation", "check", "commitment", "severity", "remedy_due_on"),
    "contract.deviation_closed": ("deviation", "check", "status", "severity"),
}


def _contract_facts(event: AuditEvent, data: dict[str, Any]) -> dict[str, Any]:
    contract = str(data.get("contract") or event.object_id)
    facts = {name: data.get(name) for name in _CONTRACT_FACTS.get(event.action, ())}
    links = {"contract": absolute(f"/api/v1/contracts/{contract}/")}
    if facts.get("check"):
        links["check"] = absolute(f"/api/v1/checks/{facts['check']}/")
    if facts.get("deviation"):
        links["deviation"] = absolute(f"/api/v1/deviations/{facts['deviation']}/")
    return {"contract": {"id": contract, **facts, "links": links}}


def for_event(event: AuditEvent, tender: Tender) -> dict[str, Any]:
    tender_path = f"/api/v1/tenders/{tender.pk}/"
    return {
        "type": event.action,
        "timestamp": iso(event.created_at),
        "data": {
            "tender": _tender(tender),
            "organization": _organization(tender.organization),
            **_facts(event),
            "links": {
                "tender": absolute(tender_path),
                "ocds": absolute(f"{tender_path}ocds/"),
            },
        },
    }


def ping(organization: Organization, moment: dt.datetime) -> dict[str, Any]:
    return {
        "type": PING,
        "timestamp": iso(moment),
        "data": {"organization": _organization(organization)},
    }
