"""The role walk: every role against every representation of a sealed, an opened and an
awarded tender, looking for any price, price document or price commitment shown to someone who
may not see it (procurement.projection; ADR 0006).

The world: one buyer region, two suppliers that each bid on four tenders of it (lowest price),
each bid with its own price (digits that appear nowhere else) and a price sheet named after
it:

- SEALED: published, both bids submitted, the deadline still ahead;
- BLIND: opened, evaluators blind to prices (the default);
- SEEING: opened, ``evaluators_see_prices``;
- AWARDED: opened, evaluated and awarded (evaluators blind); the winner's price is then public
  (the award's value in OCDS), the loser's is not.

Who may see a bid's price (and its price sheet and salt):
- officers (two), the admin and the auditor: every bid of an opened tender, none while sealed;
- the evaluator: the SEEING tender's only;
- the platform operator: none (OSL 19:3), but the public award value;
- each bidder: its own bids always, the other's never (but the public award value).

Representations walked: the API's tender list and pages, OCDS, evaluations, results,
the contract of the award (list, page, commitments, checks, deviations),
evidence ZIPs, consensus, scores and declarations; bid lists, bid pages, bid documents and
their downloads, a supplier's own result; the audit list and its CSV, JSON Lines and XLSX
exports; in the admin (buyer side and operator): the start page, tender, bid, bid document,
evaluation and audit lists, every tender, bid and evaluation page, and the audit export. Each
is fetched as each role; whatever status it answers, its body is searched.
"""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.services import sign_contract
from procurement.models import ApiToken, BidDocument, Tender, User
from procurement.services.bids import create_bid, submit_bid
from procurement.services.documents import upload_bid_document
from procurement.services.opening import open_tender
from procurement.services.tenders import publish_tender
from scoring.models import Award, Evaluation
from scoring.services.award import award_tender
from scoring.services.declarations import declare_conflict
from scoring.services.runs import run_evaluation, start_evaluation
from tests.factories import BuyerFactory, SupplierFactory, UserFactory
from tests.scenarios import new_tender

STATES = ("SEALED", "BLIND", "SEEING", "AWARDED")
ROLES = (
    "officer",
    "second_officer",
    "admin",
    "auditor",
    "evaluator",
    "operator",
    "bidder",
    "other_bidder",
)
BUYER_STAFF = {"officer", "second_officer", "admin", "auditor"}
ADMIN_USERS = BUYER_STAFF | {"evaluator", "operator"}


def _price(state_index: int, bidder_index: int) -> Decimal:
    # Seven digits that appear nowhere else: 3141593, 3141719, ...
    return Decimal(3141593 + 126 * (state_index * 2 + bidder_index)) + Decimal("0.07")


def _forms(amount: Decimal) -> set[str]:
    """The ways a page may write the price: as stored, without the öre, with separators."""
    whole = int(amount)
    return {
        format(amount, "f"),
        str(whole),
        f"{whole:,}",
        f"{whole:,}".replace(",", " "),
        f"{whole:,}".replace(",", "\u00a0"),
        format(amount, "f").replace(".", ","),
    }


def _build():
    region = BuyerFactory(name="Region Walk")
    suppliers = [SupplierFactory(name="Walk Gård AB"), SupplierFactory(name="Walk Kött AB")]
    users = {
        "officer": UserFactory(role="officer", organization=region),
        "second_officer": UserFactory(role="officer", organization=region),
        "admin": UserFactory(role="admin", organization=region),
        "auditor": UserFactory(role="auditor", organization=region),
        "evaluator": UserFactory(role="evaluator", organization=region),
        "operator": UserFactory(organization=None, role="", is_superuser=True, is_staff=True),
        "bidder": UserFactory(role="bidder", organization=suppliers[0]),
        "other_bidder": UserFactory(role="bidder", organization=suppliers[1]),
    }
    officer, second = users["officer"], users["second_officer"]
    bidders = [users["bidder"], users["other_bidder"]]
    world: dict = {"tenders": {}, "bids": [], "evaluations": [], "documents": [], "contracts": []}
    for state_index, state in enumerate(STATES):
        evaluation = {"method": "lowest_price", "evaluators_see_prices": state == "SEEING"}
        tender = new_tender(officer, reference=f"WALK-{state}", evaluation=evaluation)
        tender = publish_tender(tender=tender, actor=officer)
        for bidder_index, bidder in enumerate(bidders):
            price = _price(state_index, bidder_index)
            bid = create_bid(actor=bidder, tender=tender, lot=None, price_amount=price)
            sheet = f"prisbilaga-{state.lower()}-{bidder_index}-{int(price)}.csv"
            upload_bid_document(
                bid=bid,
                actor=bidder,
                uploaded=SimpleUploadedFile(sheet, f"artikel;pris\nägg;{price}\n".encode()),
                kind=BidDocument.Kind.PRICE_SHEET,
            )
            upload_bid_document(
                bid=bid,
                actor=bidder,
                uploaded=SimpleUploadedFile("miljocertifikat.txt", b"ISO 14001\n"),
                kind=BidDocument.Kind.CERTIFICATE,
            )
            bid = submit_bid(bid=bid, actor=bidder)
            world["bids"].append(
                {
                    "id": str(bid.pk),
                    "state": state,
                    "supplier": bidder_index,
                    "price": price,
                    "sheet": sheet,
                    "sha256": bid.sha256,
                    "salt": bid.salt,
                }
            )
        if state != "SEALED":
            Tender.objects.filter(pk=tender.pk).update(
                submission_deadline=timezone.now() - dt.timedelta(minutes=5)
            )
            tender.refresh_from_db()
            tender = open_tender(tender=tender, actor=officer)
            tender = open_tender(tender=tender, actor=second)
            declare_conflict(
                tender=tender, actor=users["evaluator"], has_conflict=False, statement="Inga"
            )
        if state == "AWARDED":
            started = start_evaluation(tender=tender, actor=officer)
            run_evaluation(started.pk)
            done = Evaluation.objects.get(pk=started.pk)
            assert done.status == Evaluation.Status.DONE, done.error
            cheapest = min(
                (b for b in world["bids"] if b["state"] == state), key=lambda b: b["price"]
            )
            award_tender(
                tender=tender,
                actor=officer,
                evaluation=done,
                lots=[{"lot": str(tender.lots.get().pk), "bids": [cheapest["id"]]}],
                justification="Lägsta pris",
            )
            cheapest["winner"] = True
            world["evaluations"].append((str(tender.pk), str(done.pk)))
            # The contract of the award (the standstill moved behind us): its value is the
            # winner's public price; it shows no other bid's.
            Award.objects.filter(tender=tender).update(
                standstill_ends_at=timezone.now() - dt.timedelta(minutes=1)
            )
            today = timezone.localdate()
            contract = sign_contract(
                tender=tender,
                actor=officer,
                lot=None,
                reference="AVT-WALK",
                signed_on=today,
                starts_on=today,
                ends_on=today + dt.timedelta(days=730),
                value_amount=cheapest["price"],
                value_currency="SEK",
            )
            world["contracts"].append(str(contract.pk))
        world["tenders"][state] = str(tender.pk)
    world["documents"] = [
        (str(d.bid_id), str(d.pk))
        for d in BidDocument.objects.filter(bid__tender__organization=region)
    ]
    world["tokens"] = {
        name: ApiToken.objects.create(user=user, expiry=None)[1] for name, user in users.items()
    }
    world["users"] = {name: user.pk for name, user in users.items()}
    return world


@pytest.fixture(scope="module")
def world(module_db):
    return module_db(_build)


def _may_see(role: str, bid: dict) -> bool:
    if bid.get("winner"):
        return True  # the award's value is public once the award is decided
    if role in ("bidder", "other_bidder"):
        return bid["supplier"] == (0 if role == "bidder" else 1)
    if role == "operator" or bid["state"] == "SEALED":
        return False
    if role == "evaluator":
        return bid["state"] == "SEEING"
    return role in BUYER_STAFF


def _texts(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # a ZIP (the evidence package, an XLSX workbook): every member
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return body.decode("utf-8", "replace")


def _api_paths(world) -> list[str]:
    paths = ["/api/v1/tenders/", "/api/v1/bids/", "/api/v1/audit-events/?page_size=500"]
    for fmt in ("jsonl", "csv", "xlsx"):
        paths.append(f"/api/v1/audit-events/export/?format={fmt}")
    for tender in world["tenders"].values():
        paths += [
            f"/api/v1/tenders/{tender}/",
            f"/api/v1/tenders/{tender}/ocds/",
            f"/api/v1/tenders/{tender}/evaluations/",
            f"/api/v1/tenders/{tender}/consensus/",
            f"/api/v1/tenders/{tender}/scores/",
            f"/api/v1/tenders/{tender}/conflict-declarations/",
            f"/api/v1/bids/?tender={tender}",
        ]
    for bid in world["bids"]:
        paths += [
            f"/api/v1/bids/{bid['id']}/",
            f"/api/v1/bids/{bid['id']}/documents/",
            f"/api/v1/bids/{bid['id']}/evaluation/",
        ]
    for bid_id, document in world["documents"]:
        paths.append(f"/api/v1/bids/{bid_id}/documents/{document}/download/")
    paths.append("/api/v1/contracts/")
    for contract in world["contracts"]:
        paths += [
            f"/api/v1/contracts/{contract}/",
            f"/api/v1/contracts/{contract}/commitments/",
            f"/api/v1/contracts/{contract}/checks/",
            f"/api/v1/contracts/{contract}/deviations/",
        ]
    for _tender, evaluation in world["evaluations"]:
        paths += [
            f"/api/v1/evaluations/{evaluation}/",
            f"/api/v1/evaluations/{evaluation}/results/",
            f"/api/v1/evaluations/{evaluation}/evidence/",
        ]
    return paths


def _admin_paths(world) -> list[str]:
    paths = [
        "/admin/",
        "/admin/procurement/tender/",
        "/admin/procurement/bid/",
        "/admin/procurement/biddocument/",
        "/admin/scoring/evaluation/",
        "/admin/audit/auditevent/",
        "/admin/audit/auditevent/export/?format=jsonl",
    ]
    paths += [f"/admin/procurement/tender/{t}/change/" for t in world["tenders"].values()]
    paths += [f"/admin/procurement/bid/{b['id']}/change/" for b in world["bids"]]
    # The workbench's own bid pages and their documents.
    paths += [
        f"/admin/procurement/tender/{t}/bids/{b['id']}/"
        for b in world["bids"]
        for t in [world["tenders"][b["state"]]]
    ]
    paths += [
        f"/admin/procurement/tender/{t}/bids/{bid_id}/documents/{document}/"
        for bid_id, document in world["documents"]
        for t in [next(world["tenders"][b["state"]] for b in world["bids"] if b["id"] == bid_id)]
    ]
    paths += [f"/admin/procurement/tender/{t}/evaluations/{e}/" for t, e in world["evaluations"]]
    return paths


def _seen_by(role: str, world) -> str:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world['tokens'][role]}")
    pages = [_texts(api.get(path)) for path in _api_paths(world)]
    if role in ADMIN_USERS:
        browser = Client()
        browser.force_login(User.objects.get(pk=world["users"][role]))
        for path in _admin_paths(world):
            response = browser.get(path, follow=True)
            assert response.status_code < 500, (path, response.status_code)
            pages.append(_texts(response))
    return "\n".join(pages)


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_a_price_it_may_not(world, role, db):
    seen = _seen_by(role, world)
    leaks, shown = [], 0
    for bid in world["bids"]:
        # The bid's hash is salted: without the salt it tests no guessed price (the opening
        # protocol's hashes stay in the buyer's audit trail, which the operator verifies). The
        # salt is what must stay sealed; the API and the admin hide the hash too
        # (tests/procurement/test_sealed_commitments.py).
        secrets = {bid["sheet"], bid["salt"], *_forms(bid["price"])}
        found = sorted(s for s in secrets if s and s in seen)
        if _may_see(role, bid):
            shown += bool(found)
        elif found:
            leaks.append((bid["state"], bid["supplier"], found))
    assert leaks == [], f"{role} sees prices it may not: {leaks}"
    # The walk reaches the prices this role may see: it would see a leak too.
    assert shown == sum(_may_see(role, bid) for bid in world["bids"]), role
