"""What a buyer-side role may see of a bid's price: one policy, asked by every representation.

Evaluators score quality blind to prices unless the tender's evaluation says
``evaluators_see_prices`` (so that price cannot colour the quality scores). Hidden then are the
price, the life-cycle cost inputs, the receipt (it names the priced files) and the price sheets,
whose names, sizes and hashes are not listed either. The API's serializers, ordering and
documents, the admin's lists, pages and documents, all ask here; nothing decides it alone.
Which bids a user may reach at all (the seal) is ``procurement.selectors.bids_for``.
"""

from django.db.models import Q, QuerySet

from procurement.models import Bid, BidDocument, Role, Tender, User

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
