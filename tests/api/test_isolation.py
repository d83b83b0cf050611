"""Organisations never see or touch each other's objects.

Alice's region and Bob's region are buyers; Charlie and Dana are suppliers. Every detail URL
and every object-scoped write URL of api/urls.py is tried by a user of another organisation:
reads are 404 (never revealing that the object exists), writes 403 or 404, and a refused write
changes no row and stores no file; the only trace it may leave is a ``permission.denied`` or
``bid.sealed_read_denied`` audit event. Each case also has a control: the owner's same request
is not refused, so a mistyped URL cannot make a case pass. A guard test fails when a route
is added without a case here.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from rest_framework.test import APIClient

from contracts import services as contract_services
from contracts.models import Check, Commitment, Contract, Deviation
from procurement.models import ApiToken, Bid, Lot, Tender
from procurement.services import documents as document_services
from procurement.services.tokens import issue_integration_token
from reports.models import FollowUpTarget
from tests.api.helpers import bid, create_tender, publish, submit
from tests.factories import (
    BuyerFactory,
    CriterionFactory,
    SupplierFactory,
    TenderCriterionFactory,
    UserFactory,
)
from webhooks import services as webhook_services
from webhooks.models import Delivery

PDF = b"%PDF-1.7\n" + b"isolation " * 20 + b"\n%%EOF\n"
ALLOWED_TRACES = {"permission.denied", "bid.sealed_read_denied"}
REFUSED_WRITE = {403, 404}
NOT_REFUSED = {401, 403, 404, 405}


def _pdf(name="planted.pdf"):
    return SimpleUploadedFile(name, PDF)


class World(dict):
    """Ids by name (``w.t_draft``) and clients by name (``w.clients["bob_officer"]``)."""

    __getattr__ = dict.__getitem__


def _build_world():
    """Two buyers, two suppliers, their people and objects, through the API where the API
    makes them. Returns the ids and each person's raw API token."""

    alice_org = BuyerFactory(name="Region Alice")
    bob_org = BuyerFactory(name="Region Bob")
    charlie_org = SupplierFactory(name="Charlie Gård AB")
    dana_org = SupplierFactory(name="Dana Livs AB")
    users = {
        "alice_officer": UserFactory(role="officer", organization=alice_org),
        "alice_admin": UserFactory(role="admin", organization=alice_org),
        "bob_officer": UserFactory(role="officer", organization=bob_org),
        "bob_admin": UserFactory(role="admin", organization=bob_org),
        "charlie": UserFactory(role="bidder", organization=charlie_org),
        "dana": UserFactory(role="bidder", organization=dana_org),
        "root": UserFactory(
            organization=None, role="", is_superuser=True, is_staff=True, username="operator"
        ),
    }
    # No expiry, like the suite's other API clients.
    tokens = {name: ApiToken.objects.create(user=u, expiry=None)[1] for name, u in users.items()}
    clients = _clients(tokens)
    alice_officer, bob_officer = clients["alice_officer"], clients["bob_officer"]
    charlie, dana = clients["charlie"], clients["dana"]

    t_draft = create_tender(alice_officer, reference="ALICE-DRAFT")
    t_pub = create_tender(alice_officer, reference="ALICE-PUB", days=31)
    publish(alice_officer, t_pub["id"])
    t_bob = create_tender(bob_officer, reference="BOB-1")

    def tender_doc(tender_id, user):
        return document_services.upload_tender_document(
            tender=Tender.objects.get(pk=tender_id),
            actor=user,
            uploaded=_pdf("spec.pdf"),
            kind="specification",
        ).pk

    def evidence(bid_id, user):
        return document_services.upload_bid_document(
            bid=Bid.objects.get(pk=bid_id),
            actor=user,
            uploaded=_pdf("cert.pdf"),
            kind="certificate",
        ).pk

    b_sub = bid(charlie, t_pub["id"])
    e_charlie = evidence(b_sub["id"], users["charlie"])
    submit(charlie, b_sub["id"])
    b_draft = bid(charlie, t_pub["id"], "900000.00")
    b_dana = bid(dana, t_pub["id"])
    e_dana = evidence(b_dana["id"], users["dana"])

    c_alice = CriterionFactory(organization=alice_org)
    c_bob = CriterionFactory(organization=bob_org)
    tc_draft = TenderCriterionFactory(tender=Tender.objects.get(pk=t_draft["id"]))
    tc_bob = TenderCriterionFactory(tender=Tender.objects.get(pk=t_bob["id"]))
    target = FollowUpTarget.objects.create(
        organization=alice_org, year=2026, metric="sme_award_share", target="0.5"
    )
    webhook = webhook_services.create_endpoint(
        actor=users["alice_officer"],
        organization=alice_org,
        url="https://hooks.alice.example/anbud",
        events=["tender.published"],
    ).endpoint
    webhook_delivery = Delivery.objects.create(
        endpoint=webhook, event="webhook.ping", message_id="msg_isolation", status="failed"
    )
    # A contract of Alice's region with Charlie (rows as signing leaves them; signing itself,
    # from an award, is tested in tests/contracts/), a requested check with Charlie's
    # evidence, and a reviewed check with an open deviation.
    today, now = timezone.localdate(), timezone.now()
    contract = Contract.objects.create(
        organization=alice_org,
        tender_id=t_pub["id"],
        lot=Lot.objects.get(tender_id=t_pub["id"]),
        bid_id=b_sub["id"],
        supplier=charlie_org,
        reference="AVT-ALICE-1",
        signed_on=today - dt.timedelta(days=10),
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=365),
        value_amount=1000000,
        value_currency="SEK",
        created_by=users["alice_officer"],
    )
    # Its criterion lies on a tender of its own: the cases that change t_pub's and t_draft's
    # criteria stay as they are.
    t_contract = create_tender(alice_officer, reference="ALICE-CONTRACT")
    commitment = Commitment.objects.create(
        contract=contract,
        tender_criterion=TenderCriterionFactory(tender=Tender.objects.get(pk=t_contract["id"])),
        code="ISO-1",
        title_sv="Isolering",
        category="environmental",
        kind="requirement",
        rule={"type": "boolean"},
    )

    def contract_check():
        return Check.objects.create(
            contract=contract,
            commitment=commitment,
            due_on=today + dt.timedelta(days=10),
            request="Visa.",
            requested_at=now - dt.timedelta(days=1),
            scheduled=False,
        )

    k_open = contract_check()
    k_evidence = contract_services.add_check_document(
        check=k_open, actor=users["charlie"], uploaded=_pdf("bevis.pdf")
    ).pk
    k_reviewed = contract_check()
    k_reviewed.outcome = k_reviewed.status = "deviation"
    k_reviewed.reviewed_at = now
    k_reviewed.save()
    deviation = Deviation.objects.create(
        contract=contract, check_ref=k_reviewed, commitment=commitment, description="Fel."
    )

    return {
        "tokens": tokens,
        "alice": alice_org.pk,
        "bob": bob_org.pk,
        "charlie_org": charlie_org.pk,
        "t_draft": t_draft["id"],
        "t_pub": t_pub["id"],
        "t_bob": t_bob["id"],
        "lot_draft": t_draft["lots"][0]["id"],
        "u_alice_officer": users["alice_officer"].pk,
        "it_alice": issue_integration_token(
            actor=users["alice_admin"], user=users["alice_officer"], name="BI"
        )[0].public_id,
        "target": target.pk,
        "webhook": webhook.pk,
        "webhook_delivery": webhook_delivery.pk,
        "d_draft": tender_doc(t_draft["id"], users["alice_officer"]),
        "d_pub": tender_doc(t_pub["id"], users["alice_officer"]),
        "d_bob": tender_doc(t_bob["id"], users["bob_officer"]),
        "b_sub": b_sub["id"],
        "b_draft": b_draft["id"],
        "b_dana": b_dana["id"],
        "e_charlie": e_charlie,
        "e_dana": e_dana,
        "c_alice": c_alice.pk,
        "c_bob": c_bob.pk,
        "tc_draft": tc_draft.pk,
        "tc_bob": tc_bob.pk,
        "contract": contract.pk,
        "commitment": commitment.pk,
        "k_open": k_open.pk,
        "k_evidence": k_evidence,
        "deviation": deviation.pk,
    }


def _clients(tokens):
    clients = {}
    for name, raw in tokens.items():
        clients[name] = APIClient()
        clients[name].credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return clients


@pytest.fixture(scope="module")
def _world_data(module_db):
    """Built once for the module; each test's writes are rolled back (tests/conftest.py)."""
    return module_db(_build_world)


@pytest.fixture
def world(db, _world_data):
    """The module's world with fresh API clients (no cookie carried from another test)."""
    data = dict(_world_data)
    return World(clients=_clients(data.pop("tokens")), **data)


# --- the cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    name: str
    url: Callable[[World], str]
    owner: str
    outsiders: tuple[str, ...]


READS = [
    Read(
        "buyer organisation",
        lambda w: f"/api/v1/organizations/{w.alice}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Read(
        "supplier organisation",
        lambda w: f"/api/v1/organizations/{w.charlie_org}/",
        "charlie",
        ("dana", "bob_officer", "alice_officer"),
    ),
    Read(
        "buyer members",
        lambda w: f"/api/v1/organizations/{w.alice}/members/",
        "alice_admin",
        ("bob_officer", "bob_admin"),
    ),
    Read(
        "buyer member",
        lambda w: f"/api/v1/organizations/{w.alice}/members/{w.u_alice_officer}/",
        "alice_admin",
        ("bob_officer", "bob_admin", "charlie"),
    ),
    Read(
        "integration token",
        lambda w: f"/api/v1/integration-tokens/{w.it_alice}/",
        "alice_admin",
        ("bob_admin",),
    ),
    Read(
        "supplier members",
        lambda w: f"/api/v1/organizations/{w.charlie_org}/members/",
        "charlie",
        ("dana", "bob_admin", "alice_admin"),
    ),
    Read(
        "draft tender",
        lambda w: f"/api/v1/tenders/{w.t_draft}/",
        "alice_officer",
        ("bob_officer", "bob_admin", "charlie", "dana"),
    ),
    Read(
        "published tender",
        lambda w: f"/api/v1/tenders/{w.t_pub}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Read(
        "checks",
        lambda w: f"/api/v1/tenders/{w.t_draft}/checks/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "ocds release package of a draft",
        lambda w: f"/api/v1/tenders/{w.t_draft}/ocds/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "amendments",
        lambda w: f"/api/v1/tenders/{w.t_draft}/amendments/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "supplier burden",
        lambda w: f"/api/v1/tenders/{w.t_draft}/supplier-burden/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "lots",
        lambda w: f"/api/v1/tenders/{w.t_draft}/lots/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "follow-up target",
        lambda w: f"/api/v1/follow-up-targets/{w.target}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Read(
        "webhook endpoint",
        lambda w: f"/api/v1/webhooks/{w.webhook}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Read(
        "webhook deliveries",
        lambda w: f"/api/v1/webhooks/{w.webhook}/deliveries/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Read(
        "webhook delivery",
        lambda w: f"/api/v1/webhooks/{w.webhook}/deliveries/{w.webhook_delivery}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Read(
        "lot",
        lambda w: f"/api/v1/tenders/{w.t_draft}/lots/{w.lot_draft}/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "documents",
        lambda w: f"/api/v1/tenders/{w.t_draft}/documents/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "document (draft)",
        lambda w: f"/api/v1/tenders/{w.t_draft}/documents/{w.d_draft}/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "document download (draft)",
        lambda w: f"/api/v1/tenders/{w.t_draft}/documents/{w.d_draft}/download/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "document download (published)",
        lambda w: f"/api/v1/tenders/{w.t_pub}/documents/{w.d_pub}/download/",
        "alice_officer",
        ("bob_officer",),
    ),
    Read(
        "tender criteria",
        lambda w: f"/api/v1/tenders/{w.t_draft}/criteria/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "tender criterion",
        lambda w: f"/api/v1/tenders/{w.t_draft}/criteria/{w.tc_draft}/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read(
        "library criterion",
        lambda w: f"/api/v1/criteria/{w.c_alice}/",
        "alice_officer",
        ("bob_officer", "charlie"),
    ),
    Read("submitted bid", lambda w: f"/api/v1/bids/{w.b_sub}/", "charlie", ("dana", "bob_officer")),
    Read("draft bid", lambda w: f"/api/v1/bids/{w.b_draft}/", "charlie", ("dana", "bob_officer")),
    Read(
        "bid documents",
        lambda w: f"/api/v1/bids/{w.b_sub}/documents/",
        "charlie",
        ("dana", "bob_officer"),
    ),
    Read(
        "bid document",
        lambda w: f"/api/v1/bids/{w.b_sub}/documents/{w.e_charlie}/",
        "charlie",
        ("dana", "bob_officer"),
    ),
    Read(
        "contract",
        lambda w: f"/api/v1/contracts/{w.contract}/",
        "alice_officer",
        ("bob_officer", "bob_admin", "dana"),
    ),
    Read(
        "contract (supplier)",
        lambda w: f"/api/v1/contracts/{w.contract}/",
        "charlie",
        ("dana",),
    ),
    Read(
        "contract commitments",
        lambda w: f"/api/v1/contracts/{w.contract}/commitments/",
        "charlie",
        ("dana", "bob_officer"),
    ),
    Read(
        "contract checks",
        lambda w: f"/api/v1/contracts/{w.contract}/checks/",
        "charlie",
        ("dana", "bob_officer"),
    ),
    Read(
        "contract deviations",
        lambda w: f"/api/v1/contracts/{w.contract}/deviations/",
        "alice_officer",
        ("dana", "bob_officer"),
    ),
    Read(
        "contract check",
        lambda w: f"/api/v1/checks/{w.k_open}/",
        "charlie",
        ("dana", "bob_officer", "bob_admin"),
    ),
    Read(
        "contract check evidence download",
        lambda w: f"/api/v1/checks/{w.k_open}/documents/{w.k_evidence}/download/",
        "alice_officer",
        ("dana", "bob_officer"),
    ),
    Read(
        "deviation",
        lambda w: f"/api/v1/deviations/{w.deviation}/",
        "charlie",
        ("dana", "bob_officer"),
    ),
    Read(
        "bid document download",
        lambda w: f"/api/v1/bids/{w.b_sub}/documents/{w.e_charlie}/download/",
        "charlie",
        ("dana", "bob_officer"),
    ),
]


def _read_params():
    return [
        pytest.param(case, outsider, id=f"{case.name}-by-{outsider}")
        for case in READS
        for outsider in case.outsiders
    ]


@dataclass(frozen=True)
class Write:
    name: str
    method: str
    url: Callable[[World], str]
    owner: str
    outsiders: tuple[str, ...]
    body: Callable[[World], Any] = field(default=lambda w: None)
    multipart: bool = False
    marks: tuple = ()


def _member(w):
    return {"username": "mallory", "password": "Str0ng-and-long-42", "role": "officer"}


def _bidder_member(w):
    return {"username": "mallory", "password": "Str0ng-and-long-42", "role": "bidder"}


WRITES = [
    Write(
        "update buyer organisation",
        "PATCH",
        lambda w: f"/api/v1/organizations/{w.alice}/",
        "alice_admin",
        ("bob_admin", "bob_officer", "dana"),
        lambda w: {"name": "Hacked"},
    ),
    Write(
        "update supplier organisation",
        "PATCH",
        lambda w: f"/api/v1/organizations/{w.charlie_org}/",
        "charlie",
        ("dana", "bob_admin"),
        lambda w: {"employees": 1},
    ),
    Write(
        "add buyer member",
        "POST",
        lambda w: f"/api/v1/organizations/{w.alice}/members/",
        "alice_admin",
        ("bob_admin", "dana"),
        _member,
    ),
    Write(
        "add supplier member",
        "POST",
        lambda w: f"/api/v1/organizations/{w.charlie_org}/members/",
        "root",
        ("alice_admin", "bob_admin", "dana"),
        _bidder_member,
    ),
    Write(
        "update tender",
        "PATCH",
        lambda w: f"/api/v1/tenders/{w.t_draft}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
        lambda w: {"title": "Hacked"},
    ),
    Write(
        "publish",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_draft}/publish/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Write(
        "open",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_pub}/open/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Write(
        "cancel",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_pub}/cancel/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
        lambda w: {"reason": "Hostile takeover"},
    ),
    Write(
        "amend",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_pub}/amend/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"reason": "Because", "changes": {"title": "Hacked"}},
    ),
    Write(
        "add lot",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_draft}/lots/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"title": "Planted lot"},
    ),
    Write(
        "change follow-up target",
        "PATCH",
        lambda w: f"/api/v1/follow-up-targets/{w.target}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
        lambda w: {"target": "0.10"},
    ),
    Write(
        "remove follow-up target",
        "DELETE",
        lambda w: f"/api/v1/follow-up-targets/{w.target}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Write(
        "change webhook endpoint",
        "PATCH",
        lambda w: f"/api/v1/webhooks/{w.webhook}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
        lambda w: {"active": False},
    ),
    Write(
        "remove webhook endpoint",
        "DELETE",
        lambda w: f"/api/v1/webhooks/{w.webhook}/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Write(
        "ping webhook endpoint",
        "POST",
        lambda w: f"/api/v1/webhooks/{w.webhook}/ping/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Write(
        "redeliver webhook delivery",
        "POST",
        lambda w: f"/api/v1/webhooks/{w.webhook}/deliveries/{w.webhook_delivery}/redeliver/",
        "alice_officer",
        ("bob_officer", "bob_admin"),
    ),
    Write(
        "revoke integration token",
        "DELETE",
        lambda w: f"/api/v1/integration-tokens/{w.it_alice}/",
        "alice_admin",
        ("bob_admin",),
    ),
    Write(
        "change lot",
        "PATCH",
        lambda w: f"/api/v1/tenders/{w.t_draft}/lots/{w.lot_draft}/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"title": "Hacked"},
    ),
    Write(
        "remove lot",
        "DELETE",
        lambda w: f"/api/v1/tenders/{w.t_draft}/lots/{w.lot_draft}/",
        "alice_officer",
        ("bob_officer",),
    ),
    Write(
        "copy tender",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_draft}/copy/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"reference": "COPIED-1", "submission_deadline": "2099-01-01T11:00:00Z"},
    ),
    Write(
        "upload tender document",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_draft}/documents/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"file": _pdf(), "kind": "other"},
        multipart=True,
    ),
    Write(
        "attach criterion",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_draft}/criteria/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"criterion": str(w.c_alice)},
    ),
    Write(
        "change tender criterion",
        "PATCH",
        lambda w: f"/api/v1/tenders/{w.t_draft}/criteria/{w.tc_draft}/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"weight": "20"},
    ),
    Write(
        "remove tender criterion",
        "DELETE",
        lambda w: f"/api/v1/tenders/{w.t_draft}/criteria/{w.tc_draft}/",
        "alice_officer",
        ("bob_officer",),
    ),
    Write(
        "change library criterion",
        "PATCH",
        lambda w: f"/api/v1/criteria/{w.c_alice}/",
        "alice_officer",
        ("bob_officer", "charlie"),
        lambda w: {"title": "Hacked"},
    ),
    Write(
        "delete library criterion",
        "DELETE",
        lambda w: f"/api/v1/criteria/{w.c_alice}/",
        "alice_officer",
        ("bob_officer",),
    ),
    Write(
        "copy library criterion",
        "POST",
        lambda w: f"/api/v1/criteria/{w.c_alice}/copy/",
        "alice_officer",
        ("bob_officer",),
        lambda w: {"code": "STOLEN-1"},
    ),
    Write(
        "change bid",
        "PATCH",
        lambda w: f"/api/v1/bids/{w.b_draft}/",
        "charlie",
        ("dana", "bob_officer"),
        lambda w: {"price": {"amount": "1.00", "currency": "SEK"}},
    ),
    Write(
        "submit bid",
        "POST",
        lambda w: f"/api/v1/bids/{w.b_draft}/submit/",
        "charlie",
        ("dana", "bob_officer"),
    ),
    Write(
        "withdraw bid",
        "POST",
        lambda w: f"/api/v1/bids/{w.b_sub}/withdraw/",
        "charlie",
        ("dana", "bob_officer"),
    ),
    Write(
        "upload bid evidence",
        "POST",
        lambda w: f"/api/v1/bids/{w.b_draft}/documents/",
        "charlie",
        ("dana", "bob_officer"),
        lambda w: {"file": _pdf(), "kind": "other"},
        multipart=True,
    ),
]


WRITES += [
    Write(
        "sign a contract",
        "POST",
        lambda w: f"/api/v1/tenders/{w.t_pub}/contracts/",
        "alice_officer",  # 409 (not awarded): not refused
        ("bob_officer", "bob_admin", "dana"),
        lambda w: {
            "reference": "AVT-X",
            "signed_on": "2026-01-01",
            "starts_on": "2026-01-01",
            "ends_on": "2027-01-01",
            "value": {"amount": "1.00", "currency": "SEK"},
        },
    ),
    Write(
        "change a commitment",
        "PATCH",
        lambda w: f"/api/v1/contracts/{w.contract}/commitments/{w.commitment}/",
        "alice_officer",
        ("bob_officer", "dana", "charlie"),
        lambda w: {"verification": "audit"},
    ),
    Write(
        "add a contract check",
        "POST",
        lambda w: f"/api/v1/contracts/{w.contract}/checks/",
        "alice_officer",
        ("bob_officer", "dana", "charlie"),
        lambda w: {
            "commitment": str(w.commitment),
            "due_on": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
            "request": "Visa.",
        },
    ),
    Write(
        "answer a contract check",
        "POST",
        lambda w: f"/api/v1/checks/{w.k_open}/answer/",
        "charlie",
        ("dana", "bob_officer", "alice_officer"),
        lambda w: {"value": True, "statement": "Ja."},
    ),
    Write(
        "add contract check evidence",
        "POST",
        lambda w: f"/api/v1/checks/{w.k_open}/documents/",
        "charlie",
        ("dana", "bob_officer"),
        lambda w: {"file": _pdf("bevis2.pdf")},
        multipart=True,
    ),
    Write(
        "review a contract check",
        "POST",
        lambda w: f"/api/v1/checks/{w.k_open}/review/",
        "alice_officer",
        ("bob_officer", "dana", "charlie"),
        lambda w: {"outcome": "met"},
    ),
    Write(
        "change a deviation",
        "PATCH",
        lambda w: f"/api/v1/deviations/{w.deviation}/",
        "alice_officer",
        ("bob_officer", "dana", "charlie"),
        lambda w: {"severity": "major"},
    ),
    Write(
        "close a deviation",
        "POST",
        lambda w: f"/api/v1/deviations/{w.deviation}/close/",
        "alice_officer",
        ("bob_officer", "dana", "charlie"),
        lambda w: {"status": "accepted", "note": "Godtas."},
    ),
]


def _write_params():
    return [
        pytest.param(case, outsider, id=f"{case.name}-by-{outsider}", marks=case.marks)
        for case in WRITES
        for outsider in case.outsiders
    ]


# --- what must not change -------------------------------------------------------------------


quote = connection.ops.quote_name


def _snapshot(settings) -> dict:
    """Every row of the project's tables as the database holds it (of the audit trail, each
    event's id and action) and every stored file."""
    rows = {}
    with connection.cursor() as cursor:
        for label in ("procurement", "criteria", "audit", "scoring", "contracts"):
            if label not in apps.app_configs:
                continue
            for model in apps.get_app_config(label).get_models():
                # The chain's heads move with every event; the shared counters count the
                # refusals themselves (procurement.counters), which is their whole purpose.
                if model._meta.label in ("audit.ChainHead", "procurement.SharedCounter"):
                    continue
                table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                columns = "id, action" if model._meta.label == "audit.AuditEvent" else "*"
                cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {pk}")  # noqa: S608 - model names
                rows[model._meta.label] = cursor.fetchall()
    media = Path(settings.MEDIA_ROOT)
    files = (
        {str(p): p.read_bytes() for p in media.rglob("*") if p.is_file()} if media.exists() else {}
    )
    return {"rows": rows, "files": files}


def _assert_only_allowed_traces(before, after):
    events_before = {event_id for event_id, _action in before["rows"].pop("audit.AuditEvent")}
    new_events = [e for e in after["rows"].pop("audit.AuditEvent") if e[0] not in events_before]
    assert {action for _id, action in new_events} <= ALLOWED_TRACES, new_events
    assert after["files"] == before["files"]
    for label, rows in before["rows"].items():
        assert after["rows"][label] == rows, f"{label} changed by a refused write"


def _send(client, method, url, body=None, multipart=False):
    if body is None:
        return client.generic(method, url)
    return getattr(client, method.lower())(url, body, format="multipart" if multipart else "json")


# --- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "outsider"), _read_params())
def test_reads_of_another_organisations_objects_are_404(world, case, outsider, settings):
    url = case.url(world)
    owner = world.clients[case.owner].get(url)
    assert owner.status_code == 200, (case.owner, url, owner.content[:300])

    before = _snapshot(settings)
    response = world.clients[outsider].get(url)
    assert response.status_code == 404, (outsider, url, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    # The refusal is the same as for an id that never existed.
    assert str(world.t_draft) not in response.content.decode()
    _assert_only_allowed_traces(before, _snapshot(settings))


@pytest.mark.parametrize(("case", "outsider"), _write_params())
def test_writes_to_another_organisations_objects_are_refused_and_change_nothing(
    world, case, outsider, settings
):
    url = case.url(world)
    before = _snapshot(settings)
    response = _send(
        world.clients[outsider], case.method, url, case.body(world), multipart=case.multipart
    )
    assert response.status_code in REFUSED_WRITE, (outsider, url, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    _assert_only_allowed_traces(before, _snapshot(settings))

    control = _send(
        world.clients[case.owner], case.method, url, case.body(world), multipart=case.multipart
    )
    assert control.status_code not in NOT_REFUSED, (case.owner, url, control.content[:300])


def test_a_bidder_reading_a_buyers_member_list_sees_no_one(world):
    # Dana may read Alice's organisation (it has a published tender), not its people.
    response = world.clients["dana"].get(f"/api/v1/organizations/{world.alice}/members/")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.json()["count"] == 0
        assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("who", "url", "control"),
    [
        pytest.param(
            "alice_officer",
            lambda w: f"/api/v1/tenders/{w.t_draft}/documents/{w.d_bob}/download/",
            lambda w: f"/api/v1/tenders/{w.t_draft}/documents/{w.d_draft}/download/",
            id="bobs-document-under-alices-tender",
        ),
        pytest.param(
            "bob_officer",
            lambda w: f"/api/v1/tenders/{w.t_bob}/documents/{w.d_draft}/download/",
            lambda w: f"/api/v1/tenders/{w.t_bob}/documents/{w.d_bob}/download/",
            id="alices-document-under-bobs-tender",
        ),
        pytest.param(
            "alice_officer",
            lambda w: f"/api/v1/tenders/{w.t_draft}/criteria/{w.tc_bob}/",
            lambda w: f"/api/v1/tenders/{w.t_draft}/criteria/{w.tc_draft}/",
            id="bobs-tender-criterion-under-alices-tender",
        ),
        pytest.param(
            "charlie",
            lambda w: f"/api/v1/bids/{w.b_sub}/documents/{w.e_dana}/download/",
            lambda w: f"/api/v1/bids/{w.b_sub}/documents/{w.e_charlie}/download/",
            id="danas-evidence-under-charlies-bid",
        ),
    ],
)
def test_a_child_id_of_another_organisation_under_your_own_parent_is_404(world, who, url, control):
    client = world.clients[who]
    assert client.get(control(world)).status_code == 200
    assert client.get(url(world)).status_code == 404


@pytest.mark.parametrize(
    ("who", "body", "control"),
    [
        pytest.param(
            "alice_officer",
            lambda w: ("/api/v1/tenders/{t}/criteria/", {"criterion": str(w.c_bob)}),
            lambda w: ("/api/v1/tenders/{t}/criteria/", {"criterion": str(w.c_alice)}),
            id="attach-bobs-private-criterion",
        ),
        pytest.param(
            "dana",
            lambda w: (
                "/api/v1/bids/",
                {"tender": w.t_draft, "price": {"amount": "1.00", "currency": "SEK"}},
            ),
            lambda w: (
                "/api/v1/bids/",
                {"tender": w.t_pub, "price": {"amount": "1.00", "currency": "SEK"}},
            ),
            id="bid-on-a-draft-tender",
        ),
    ],
)
def test_referring_to_another_organisations_object_in_the_body_is_refused(
    world, who, body, control, settings
):
    client = world.clients[who]
    url, data = body(world)
    before = _snapshot(settings)
    response = client.post(url.format(t=world.t_draft), data, format="json")
    assert response.status_code in (400, 403, 404), response.content[:300]
    _assert_only_allowed_traces(before, _snapshot(settings))
    url, data = control(world)
    assert client.post(url.format(t=world.t_draft), data, format="json").status_code == 201


# --- unauthenticated ----------------------------------------------------------------------


def _all_requests():
    params = [pytest.param("GET", case.url, None, False, id=f"GET {case.name}") for case in READS]
    params += [
        pytest.param(
            case.method, case.url, case.body, case.multipart, id=f"{case.method} {case.name}"
        )
        for case in WRITES
    ]
    for path in ("organizations", "tenders", "bids", "criteria"):
        params.append(
            pytest.param(
                "GET", lambda w, p=path: f"/api/v1/{p}/", None, False, id=f"GET {path} list"
            )
        )
        params.append(
            pytest.param(
                "POST", lambda w, p=path: f"/api/v1/{p}/", lambda w: {}, False, id=f"POST {path}"
            )
        )
    return params


@pytest.mark.parametrize(("method", "url", "body", "multipart"), _all_requests())
def test_without_credentials_every_url_is_401_with_www_authenticate(
    world, method, url, body, multipart, settings
):
    before = _snapshot(settings)
    response = _send(APIClient(), method, url(world), body(world) if body else None, multipart)
    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Token")
    after = _snapshot(settings)
    assert after == before


def test_a_bad_token_is_401_too(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(f"/api/v1/tenders/{world.t_pub}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


# --- the guard: every object-scoped route has a case ----------------------------------------


def _api_routes():
    """(regex, method) for every api/v1 route with a path parameter, from the URLconf."""
    found = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            regex = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, regex)
            elif isinstance(p, URLPattern):
                if "format" in regex or ("(?P<" not in regex and "<" not in regex):
                    continue
                actions = getattr(p.callback, "actions", None) or {}
                for method in actions:
                    if method == "head":  # DRF adds HEAD as an alias of GET
                        continue
                    found.add((p.pattern.regex.pattern, method.upper()))

    api = [p for p in get_resolver().url_patterns if str(p.pattern).startswith("api/v1/")]
    walk(api)
    return found


# Evaluation routes need an evaluated tender; their isolation (another organisation and a
# supplier get 404) is tested in tests/scoring/test_evaluations_api.py. Anything else new must
# get a Read or a Write case above: the guard fails for it.
PENDING = {
    ("^evaluations/(?P<pk>[^/.]+)/evidence/$", "GET"),
    ("^evaluations/(?P<pk>[^/.]+)/$", "GET"),
    ("^evaluations/(?P<pk>[^/.]+)/results/$", "GET"),
    ("^evaluations/(?P<pk>[^/.]+)/verify/$", "POST"),
    ("^evaluations/(?P<pk>[^/.]+)/lottery/$", "POST"),
}


def test_every_object_scoped_route_is_covered_by_an_isolation_case(world):
    covered = set()
    for case in READS:
        covered.add((resolve(case.url(world)).route, "GET"))
    for case in WRITES:
        covered.add((resolve(case.url(world)).route, case.method))
    routes = {(regex, method) for regex, method in _api_routes()} - PENDING
    # resolve().route joins the include prefix; compare on the router's own part.
    covered_tails = {(re.sub(r"^api/v1/", "", route), method) for route, method in covered}
    missing = sorted(
        (regex, method)
        for regex, method in routes
        if ("^" + regex.lstrip("^"), method) not in {("^" + t, m) for t, m in covered_tails}
    )
    assert missing == [], f"routes without an isolation case: {missing}"
