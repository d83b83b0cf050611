"""What a viewer sees of an object: one projection per kind of object, rendered by every
representation (the API's serializers, the admin's and the workbench's pages, exports, OCDS,
the evidence package). Nothing else hides a field.

Which rows a viewer may reach at all (the seal, the organisation) is decided by the selectors
(``procurement.selectors``); which parts of a reachable row the viewer sees is decided here.

Prices. Evaluators score quality blind to prices unless the tender's evaluation says
``evaluators_see_prices``, so that price cannot colour the quality scores. Blind to prices
means blind to everything that reveals them: the price, the life-cycle cost inputs, the price
sheets (their names, sizes and hashes too), the receipt (it lists the priced files), and the
bid's hash and salt. The hash commits to the bid with a random salt sealed with the price
(``procurement.services.bids.canonical_bid``): without the salt nobody can test a guessed
price against it, and a viewer blind to prices sees neither.

The opening protocol is the buyer's staff's (the officers who opened, the bids with their
supplier, time, price and hash): not the platform operator's, not the suppliers'.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, Q, QuerySet, Value, When

from procurement.models import BUYER_ROLES, Bid, BidDocument, Role, Tender, User


def sees_prices(viewer: User, tender: Tender) -> bool:
    """Does this viewer see the prices (and all that reveals them) of this tender's bids?"""
    if viewer.role == Role.EVALUATOR:
        return bool((tender.evaluation or {}).get("evaluators_see_prices", False))
    return True


def is_buyer_staff(viewer: User, tender: Tender) -> bool:
    """The buyer's own staff: not the platform operator, not a supplier, not another buyer."""
    return viewer.role in BUYER_ROLES and viewer.organization_id == tender.organization_id


@dataclass(frozen=True, slots=True)
class BidProjection:
    """A bid as one viewer sees it; None where the viewer is blind."""

    bid: Bid
    prices_seen: bool
    price: Decimal | None
    cost: dict[str, Any] | None
    sha256: str | None
    salt: str | None
    receipt: dict[str, Any] | None
    documents: list[BidDocument]

    @property
    def currency(self) -> str:
        return self.bid.tender.currency


def bid_for(viewer: User, bid: Bid) -> BidProjection:
    """The bid as ``viewer`` sees it. The viewer has reached it through ``bids_for``."""
    seen = sees_prices(viewer, bid.tender)
    documents = [d for d in bid.documents.all() if seen or not _priced(d)]
    return BidProjection(
        bid=bid,
        prices_seen=seen,
        price=bid.price_amount if seen else None,
        cost=bid.cost if seen else None,
        sha256=(bid.sha256 or None) if seen else None,
        salt=(bid.salt or None) if seen else None,
        receipt=bid.receipt if seen else None,
        documents=documents,
    )


# The bid's fields that reveal its price: shown only to those who see prices.
PRICED_BID_FIELDS = frozenset({"price_amount", "cost", "receipt", "sha256", "salt"})


def with_seen_prices(viewer: User, bids: QuerySet[Bid]) -> QuerySet[Bid]:
    """The bids, each with ``seen_price``: its price where the viewer sees it, else None (the
    rule of ``sees_prices`` in SQL, for lists across tenders)."""
    if viewer.role != Role.EVALUATOR:
        return bids.annotate(seen_price=F("price_amount"))
    return bids.annotate(
        seen_price=Case(
            When(tender__evaluation__evaluators_see_prices=True, then=F("price_amount")),
            default=Value(None),
            output_field=DecimalField(max_digits=18, decimal_places=2),
        )
    )


def _priced(document: BidDocument) -> bool:
    return document.kind == BidDocument.Kind.PRICE_SHEET


def bid_documents_for(viewer: User, documents: QuerySet[BidDocument]) -> QuerySet[BidDocument]:
    """Bid documents across tenders, without the price sheets the viewer is blind to."""
    if viewer.role != Role.EVALUATOR:
        return documents
    seeing = Tender.objects.filter(evaluation__evaluators_see_prices=True).values("pk")
    return documents.exclude(Q(kind=BidDocument.Kind.PRICE_SHEET) & ~Q(bid__tender_id__in=seeing))


def bid_document_seen(viewer: User, bid: Bid, document: BidDocument) -> bool:
    return sees_prices(viewer, bid.tender) or not _priced(document)


def may_order_by_price(viewer: User, tender: Tender | None) -> bool:
    """Ordering by price reveals it: evaluators only within a tender that shows them prices."""
    if viewer.role != Role.EVALUATOR:
        return True
    return tender is not None and sees_prices(viewer, tender)


@dataclass(frozen=True, slots=True)
class TenderProjection:
    """The parts of a tender that depend on who reads it."""

    bids_received: int | None
    opening_requested_by: dict[str, str] | None
    opened_by: list[dict[str, Any]] | None
    protocol: dict[str, Any] | None
    prices_seen: bool


def tender_for(
    viewer: User, tender: Tender, *, bids_received: int | None = None
) -> TenderProjection:
    staff = is_buyer_staff(viewer, tender)
    count = None
    if staff or viewer.is_superuser:
        # A count reveals no bid: the buyer's staff and the platform operator see it (API.md).
        count = (
            bids_received
            if bids_received is not None
            else tender.bids.filter(status=Bid.Status.SUBMITTED).count()
        )
    requested = tender.opening_requested_by if staff else None
    protocol = protocol_for(viewer, tender)
    return TenderProjection(
        bids_received=count,
        opening_requested_by=(
            {"id": str(requested.pk), "username": requested.username} if requested else None
        ),
        opened_by=protocol.get("opened_by") if protocol else None,
        protocol=protocol,
        prices_seen=sees_prices(viewer, tender),
    )


def protocol_for(viewer: User, tender: Tender) -> dict[str, Any] | None:
    """The opening protocol as ``viewer`` sees it: None for anyone but the buyer's staff
    (the platform operator included: OSL 19:3), and without prices and hashes for those
    blind to prices."""
    found = tender.opening_protocol
    if not found or not is_buyer_staff(viewer, tender):
        return None
    if sees_prices(viewer, tender):
        return found
    return {
        **found,
        "bids": [{**bid, "price": None, "sha256": None} for bid in found.get("bids", [])],
    }
