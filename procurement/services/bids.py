"""Bids: a supplier drafts, submits (server time), resubmits or withdraws before the deadline."""

import hashlib
import secrets
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.chain import canonical, to_json_value, utc_text
from audit.services import record, record_deferred
from procurement import extensions, policy, selectors
from procurement.errors import (
    InvalidInput,
    NotAllowed,
    StateConflict,
    bid_status,
    field_error,
    tender_status,
)
from procurement.models import Bid, Lot, Tender, User
from procurement.policy import Action
from procurement.services.common import check_version

COST_FIELDS = (
    "acquisition_cost",
    "annual_operating_cost",
    "annual_co2e_tonnes",
    "end_of_life_cost",
)


def _require_bidder(actor: User, bid: Bid | None = None) -> uuid.UUID:
    """The bidder's organisation id; refused for other roles and for a bidder of no supplier."""
    if not policy.may(actor, Action.BID_MANAGE):
        raise NotAllowed(_("Only suppliers' bidders may create and submit bids."))
    if bid is not None and not policy.may(actor, Action.BID_MANAGE, bid):
        raise NotAllowed(_("This is not your organisation's bid."))
    return cast(uuid.UUID, actor.organization_id)


def _open_for_bids(tender: Tender, *, now=None) -> None:
    if tender.status != Tender.Status.PUBLISHED:
        raise StateConflict(
            _(
                "The tender is %(status)s; bids are accepted only while it is published and "
                "before the deadline."
            )
            % {"status": tender_status(tender.effective_status)},
            code="not_accepting_bids",
            current_status=tender.effective_status,
        )
    if tender.deadline_passed(now):
        raise StateConflict(
            _("The submission deadline %(deadline)s has passed.")
            % {"deadline": tender.submission_deadline.isoformat()},
            code="deadline_passed",
            current_status=tender.effective_status,
            submission_deadline=tender.submission_deadline.isoformat(),
        )


def _resolve_lot(tender: Tender, lot: Lot | None) -> Lot:
    lots = list(tender.lots.all())
    if lot is None:
        if len(lots) == 1:
            return lots[0]
        raise InvalidInput(
            _("The tender has several lots; say which lot the bid is for."),
            errors=[field_error("/lot", "required", _("Choose a lot of the tender."))],
        )
    if lot.tender_id != tender.pk:
        raise InvalidInput(
            _("The lot does not belong to the tender."),
            errors=[field_error("/lot", "invalid", _("Not a lot of this tender."))],
        )
    return lot


def _check_currency(tender: Tender, currency: str | None) -> None:
    if currency and currency != tender.currency:
        raise InvalidInput(
            _("Prices of this tender are in %(currency)s.") % {"currency": tender.currency},
            errors=[
                field_error(
                    "/price/currency",
                    "currency_mismatch",
                    _("Use %(currency)s.") % {"currency": tender.currency},
                )
            ],
        )


@transaction.atomic
def create_bid(
    *,
    actor: User,
    tender: Tender,
    lot: Lot | None,
    price_amount: Decimal,
    currency: str | None = None,
    cost: dict[str, Any] | None = None,
    responses: list[dict[str, Any]] | None = None,
) -> Bid:
    """A supplier starts a draft bid for one lot of a published tender, before the deadline."""
    supplier_id = _require_bidder(actor)
    _open_for_bids(tender)
    lot = _resolve_lot(tender, lot)
    _check_currency(tender, currency)
    bid = Bid.objects.create(
        tender=tender,
        lot=lot,
        supplier_id=supplier_id,
        price_amount=price_amount,
        cost=to_json_value(cost) if cost else None,
        created_by=actor,
    )
    if responses:
        extensions.bid_answers().set_responses(bid, responses)
    record(
        action="bid.created",
        actor=actor,
        obj=bid,
        tender_id=tender.pk,
        data={"lot": lot.pk},
    )
    return bid


@transaction.atomic
def update_bid(
    *, bid: Bid, actor: User, changes: dict[str, Any], expected_version: int | None = None
) -> Bid:
    """Change a draft bid. A submitted bid is changed by submitting a new version."""
    _require_bidder(actor, bid)
    bid = Bid.objects.select_for_update().select_related("tender").get(pk=bid.pk)
    check_version(bid, expected_version)
    if bid.status != Bid.Status.DRAFT:
        raise StateConflict(
            _(
                "The bid is %(status)s; only a draft can be changed. Create a new bid for the "
                "same lot and submit it to replace this one before the deadline."
            )
            % {"status": bid_status(bid.status)},
            current_status=bid.status,
        )
    _open_for_bids(bid.tender)
    _check_currency(bid.tender, changes.pop("currency", None))
    if "price_amount" in changes:
        bid.price_amount = changes["price_amount"]
    if "cost" in changes:
        bid.cost = to_json_value(changes["cost"]) if changes["cost"] else None
    if "responses" in changes:
        extensions.bid_answers().set_responses(bid, changes["responses"] or [])
    bid.version += 1
    bid.save()
    record(
        action="bid.updated",
        actor=actor,
        obj=bid,
        tender_id=bid.tender_id,
        data={"fields": sorted(changes)},
    )
    return bid


def canonical_bid(bid: Bid) -> dict[str, Any]:
    """What a supplier sent, as canonical JSON: the basis of the submission receipt.

    With the bid's salt (a random value drawn at submission, sealed with the price) and the
    supplier's facts as recorded at submission. The salt makes the hash a commitment: whoever
    sees the hash and every other field, but not the price and the salt, cannot test guessed
    prices against it. Bids submitted before salts existed have neither key.
    """
    responses: list[dict[str, Any]] = sorted(
        (
            {"tender_criterion": str(r.tender_criterion_id), "value": r.value}
            for r in bid.responses.all()
        ),
        key=lambda r: r["tender_criterion"],
    )
    documents = sorted(
        (
            {
                "id": str(d.pk),
                "filename": d.filename,
                "sha256": d.sha256,
                "size": d.size,
                "version": d.version,
            }
            for d in bid.documents.all()
        ),
        key=lambda d: (d["filename"], d["version"]),
    )
    return to_json_value(
        {
            "bid": bid.pk,
            "tender": bid.tender_id,
            "lot": bid.lot_id,
            "supplier": bid.supplier_id,
            "price": {"amount": format(bid.price_amount, "f"), "currency": bid.tender.currency},
            "cost": bid.cost,
            "responses": responses,
            "documents": documents,
            **({"salt": bid.salt} if bid.salt else {}),
            **({"supplier_facts": bid.supplier_facts} if bid.supplier_facts else {}),
        }
    )


def _tender_shared_lock(tender_id) -> Tender:
    """The tender, read under a lock that submissions share and state changes wait for.

    On PostgreSQL, ``FOR SHARE``: any number of submits on one tender proceed side by side,
    while an amendment, a cancellation or the opening (``FOR UPDATE``) waits until they have
    committed, and they wait for it. So the deadline and the status a submit checks cannot
    change under it. On SQLite every write transaction holds the database lock already.
    """
    if connection.vendor == "postgresql":
        return Tender.objects.raw(
            f"SELECT * FROM {Tender._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
            [tender_id],
        )[0]
    return Tender.objects.get(pk=tender_id)


@transaction.atomic
def submit_bid(*, bid: Bid, actor: User, received_at: datetime | None = None) -> Bid:
    """Submit before the deadline; the time of receipt is recorded (Annex IV).

    ``received_at`` is when the request reached the application (taken first thing by the
    request middleware), so a bid that arrived in time is accepted even if it then waited for
    a worker, a lock or the database; without a request it is the server's clock now.

    A submission replaces the supplier's earlier submitted bid for the same lot, which is kept
    and marked superseded. The receipt carries the SHA-256 of the canonical bid JSON and of each
    file, so the supplier can later prove what it sent.
    """
    _require_bidder(actor, bid)
    now = min(received_at, timezone.now()) if received_at is not None else timezone.now()
    bid = (
        Bid.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .prefetch_related("responses", "documents")
        .get(pk=bid.pk)
    )
    tender = _tender_shared_lock(bid.tender_id)
    bid.tender = tender
    if bid.status != Bid.Status.DRAFT:
        raise StateConflict(
            _("The bid is already %(status)s.") % {"status": bid_status(bid.status)},
            current_status=bid.status,
        )
    _open_for_bids(tender, now=now)
    missing = extensions.bid_answers().missing_answers(bid)
    if missing:
        raise InvalidInput(
            ngettext(
                "%(count)d criterion is not answered.",
                "%(count)d criteria are not answered.",
                len(missing),
            )
            % {"count": len(missing)},
            code="responses_missing",
            errors=[
                field_error("/responses", "missing", f"{m['code']}: {m['title']}") for m in missing
            ],
            missing=missing,
        )
    method = (tender.evaluation or {}).get("method")
    if method == "lowest_cost":
        absent = [
            f for f in COST_FIELDS if not (bid.cost or {}).get(f) and (bid.cost or {}).get(f) != "0"
        ]
        if absent:
            raise InvalidInput(
                _("A life-cycle cost tender needs every cost input."),
                code="cost_missing",
                errors=[field_error(f"/cost/{f}", "required", _("Required.")) for f in absent],
            )
    previous = (
        Bid.objects.select_for_update()
        .filter(lot_id=bid.lot_id, supplier_id=bid.supplier_id, status=Bid.Status.SUBMITTED)
        .first()
    )
    if previous is not None:
        previous.status = Bid.Status.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
        bid.supersedes = previous
    bid.salt = secrets.token_hex(16)
    bid.supplier_facts = bid.supplier.facts()
    body = canonical_bid(bid)
    digest = hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()
    bid.status = Bid.Status.SUBMITTED
    bid.submitted_at = now
    bid.sha256 = digest
    bid.receipt = {
        "bid": str(bid.pk),
        "submitted_at": utc_text(now),
        "sha256": digest,
        # With the salt, the supplier (and whoever may see the price) can recompute the hash
        # from the bid: proof that it is unchanged.
        "salt": bid.salt,
        "files": [
            {"filename": d["filename"], "sha256": d["sha256"], "size": d["size"]}
            for d in body["documents"]
        ],
        "supersedes": str(previous.pk) if previous else None,
    }
    bid.version += 1
    bid.save()
    record(
        action="bid.submitted",
        actor=actor,
        obj=bid,
        tender_id=tender.pk,
        data={
            "sha256": digest,
            "submitted_at": now,
            "supersedes": previous.pk if previous else None,
        },
    )
    return bid


def record_sealed_read_attempt(*, actor: User, what: str, path: str, bid_id=None, tender=None):
    """A buyer-side user asked for a sealed bid (by id) or a sealed tender's bids: the attempt
    is recorded (Annex IV: an attempt to breach the seal is detectable), and survives the
    refusal's rollback. Anything else (no such bid, another organisation's) records nothing."""
    if bid_id is not None:
        try:
            uuid.UUID(str(bid_id))
        except ValueError:
            return  # not an id at all: no bid, nothing to record
        bid = selectors.is_sealed_bid_of_users_org(actor, bid_id)
        if bid is None:
            return
        obj, tender_id = bid, bid.tender_id
    else:
        if tender is None or actor.is_bidder or not tender.is_sealed:
            return
        obj, tender_id = tender, tender.pk
    record_deferred(
        action="bid.sealed_read_denied",
        actor=actor,
        obj=obj,
        tender_id=tender_id,
        data={"what": what, "path": path},
    )


@transaction.atomic
def withdraw_bid(*, bid: Bid, actor: User, received_at: datetime | None = None) -> Bid:
    """Withdraw a submitted bid before the deadline (it is kept, marked withdrawn).

    As for a submission, the deadline is checked against the time the request arrived.
    """
    _require_bidder(actor, bid)
    now = min(received_at, timezone.now()) if received_at is not None else timezone.now()
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    bid.tender = _tender_shared_lock(bid.tender_id)
    if bid.status != Bid.Status.SUBMITTED:
        raise StateConflict(
            _("Only a submitted bid can be withdrawn; this one is %(status)s.")
            % {"status": bid_status(bid.status)},
            current_status=bid.status,
        )
    if bid.tender.deadline_passed(now):
        raise StateConflict(
            _("The submission deadline has passed; the bid binds you."), code="deadline_passed"
        )
    bid.status = Bid.Status.WITHDRAWN
    bid.withdrawn_at = now
    bid.version += 1
    bid.save()
    record(action="bid.withdrawn", actor=actor, obj=bid, tender_id=bid.tender_id, data={})
    return bid
