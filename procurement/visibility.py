"""What a role may see of a bid's price and of the audit trail: one policy, asked by every
representation.

Evaluators score quality blind to prices unless the tender's evaluation says
``evaluators_see_prices`` (so that price cannot colour the quality scores). Hidden then are the
price, the life-cycle cost inputs, the receipt (it names the priced files) and the price sheets,
whose names, sizes and hashes are not listed either. The API's serializers, ordering and
documents, the admin's lists, pages and documents, all ask here; nothing decides it alone.
Which bids a user may reach at all (the seal) is ``procurement.selectors.bids_for``.

The audit trail (``audit_events_for``), in the API, the admin and the exports:

- the platform operator (a superuser without an organisation): every chain, except what
  suppliers did about a tender whose bids are still sealed (the seal holds for the operator
  too, API.md "Sealed bids");
- admins and auditors: their organisation's whole chain;
- officers: the events of their organisation's tenders, and their own actions;
- evaluators and bidders: their own actions (evaluators score blind);
- nobody: anything of another organisation.
"""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from audit.models import AuditEvent
from procurement.models import WHOLE_TRAIL_ROLES, Bid, BidDocument, Role, Tender, User
from procurement.selectors import UNSEALED_STATUSES

PRICE_FIELDS = frozenset({"price_amount", "cost", "receipt"})


def prices_hidden(user: User, tender: Tender) -> bool:
    """Is this user blind to the prices of this tender's bids?"""
    return user.role == Role.EVALUATOR and not (tender.evaluation or {}).get(
        "evaluators_see_prices", False
    )


def prices_hidden_from(user: User, bid: Bid) -> bool:
    return prices_hidden(user, bid.tender)


def hidden_bid_fields(user: User, bid: Bid) -> frozenset[str]:
    return PRICE_FIELDS if prices_hidden_from(user, bid) else frozenset()


def document_visible(user: User, bid: Bid, document: BidDocument) -> bool:
    return document.kind != BidDocument.Kind.PRICE_SHEET or not prices_hidden_from(user, bid)


def visible_documents(user: User, documents: QuerySet[BidDocument]) -> QuerySet[BidDocument]:
    """Bid documents across tenders, without the price sheets the user is blind to."""
    if user.role != Role.EVALUATOR:
        return documents
    seeing = Tender.objects.filter(evaluation__evaluators_see_prices=True).values("pk")
    return documents.exclude(Q(kind=BidDocument.Kind.PRICE_SHEET) & ~Q(bid__tender_id__in=seeing))


def may_order_by_price(user: User, tender: Tender | None) -> bool:
    """Ordering by price reveals it: evaluators only within a tender that shows them prices."""
    if user.role != Role.EVALUATOR:
        return True
    return tender is not None and not prices_hidden(user, tender)


def audit_events_for(user: Any) -> QuerySet[AuditEvent]:
    """Audit events the user may read (see the module docstring)."""
    qs = AuditEvent.objects.all()
    if not user or not user.is_authenticated:
        return qs.none()
    if getattr(user, "is_platform_operator", False):
        sealed_and_foreign = (
            Tender.objects.filter(pk=OuterRef("tender_id"))
            .exclude(status__in=UNSEALED_STATUSES)
            .exclude(organization_id=OuterRef("organization_id"))
        )
        return qs.exclude(Exists(sealed_and_foreign))
    if not user.organization_id:
        return qs.none()
    own = qs.filter(organization_id=user.organization_id)
    if user.role in WHOLE_TRAIL_ROLES:
        return own
    if user.role == Role.OFFICER:
        tenders = Tender.objects.filter(organization_id=user.organization_id).values("pk")
        return own.filter(Q(tender_id__in=tenders) | Q(actor_id=user.pk))
    return own.filter(actor_id=user.pk)
