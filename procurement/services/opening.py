"""Opening of bids by two officers (LOU 12 kap. 10 §) and the opening protocol."""

import datetime
from typing import cast
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.chain import utc_text
from audit.services import record
from procurement import policy
from procurement.errors import (
    InvalidInput,
    NotAllowed,
    StateConflict,
    field_error,
    tender_status,
)
from procurement.models import Organization, Tender, User
from procurement.policy import Action
from procurement.selectors import submitted_bids_for_opening


def _protocol(tender: Tender, officers: list[User], now) -> dict:
    bids = [
        {
            "bid": str(bid.pk),
            "lot": bid.lot.number,
            "supplier": {"id": str(bid.supplier_id), "name": bid.supplier.name},
            # A submitted bid has its submission time.
            "submitted_at": utc_text(cast(datetime.datetime, bid.submitted_at)),
            "price": {"amount": format(bid.price_amount, "f"), "currency": tender.currency},
            "sha256": bid.sha256,
        }
        for bid in submitted_bids_for_opening(tender)
    ]
    return {
        "tender": str(tender.pk),
        "reference": tender.reference,
        "submission_deadline": utc_text(tender.submission_deadline),
        "opened_at": utc_text(now),
        "opened_by": [
            {"id": str(u.pk), "username": u.username, "name": u.get_full_name()} for u in officers
        ],
        "bids": bids,
        "bid_count": len(bids),
    }


@transaction.atomic
def open_tender(*, tender: Tender, actor: User) -> Tender:
    """Open the bids after the deadline. The first officer starts, a second one confirms.

    Refused before the deadline (Annex IV: nobody sees a bid's contents before it), and
    refused when the same officer tries to confirm their own start. An organisation may set
    its opening quorum to 1 (its own, audited decision).
    """
    policy.require(actor, Action.TENDER_OPEN, organization_id=tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    now = timezone.now()
    if tender.status == Tender.Status.PUBLISHED and not tender.deadline_passed(now):
        raise StateConflict(
            _("Bids cannot be opened before the submission deadline %(deadline)s.")
            % {"deadline": utc_text(tender.submission_deadline)},
            code="deadline_not_passed",
            current_status=tender.effective_status,
        )
    if not (
        policy.in_state(Action.TENDER_OPEN, tender)
        or policy.in_state(Action.TENDER_CONFIRM_OPENING, tender)
    ):
        raise StateConflict(
            _("The tender is %(status)s; only a closed tender can be opened.")
            % {"status": tender_status(tender.effective_status)},
            current_status=tender.effective_status,
        )
    quorum = Organization.objects.values_list("opening_quorum", flat=True).get(
        pk=tender.organization_id
    )
    if tender.status == Tender.Status.PUBLISHED:
        record(
            action="tender.deadline_passed",
            actor=None,
            system="clock",
            obj=tender,
            organization_id=tender.organization_id,
            tender_id=tender.pk,
            data={"submission_deadline": tender.submission_deadline, "observed_at": now},
        )
        tender.opening_requested_by = actor
        tender.opening_requested_at = now
        if quorum <= 1:
            return _complete_opening(tender, [actor], now, actor)
        tender.status = Tender.Status.OPENING
        tender.version += 1
        tender.save()
        record(
            action="tender.opening_started",
            actor=actor,
            obj=tender,
            tender_id=tender.pk,
            data={"quorum": quorum},
        )
        return tender
    if tender.opening_requested_by_id == actor.pk:
        raise StateConflict(
            _("You started this opening; a second, different officer must confirm it."),
            code="same_officer",
            current_status=tender.status,
        )
    # An opening tender has the officer who started the opening.
    first = User.objects.get(pk=cast(UUID, tender.opening_requested_by_id))
    return _complete_opening(tender, [first, actor], now, actor)


def _complete_opening(tender: Tender, officers: list[User], now, actor: User) -> Tender:
    tender.status = Tender.Status.OPENED
    tender.opened_at = now
    tender.opening_protocol = _protocol(tender, officers, now)
    tender.version += 1
    tender.save()
    record(
        action="tender.opened",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={
            "opened_by": [o.pk for o in officers],
            "bids": [
                {"bid": b["bid"], "sha256": b["sha256"]} for b in tender.opening_protocol["bids"]
            ],
        },
    )
    return tender


@transaction.atomic
def set_opening_quorum(*, organization: Organization, actor: User, quorum: int) -> Organization:
    """The organisation's own decision to open with one officer instead of two (audited)."""
    if not policy.may(actor, Action.QUORUM_SET, organization):
        raise NotAllowed(_("Only the organisation's admin may change the opening quorum."))
    if quorum not in (1, 2):
        raise InvalidInput(
            _("The opening quorum is 1 or 2 officers."),
            errors=[field_error("/opening_quorum", "invalid", _("1 or 2"))],
        )
    previous = organization.opening_quorum
    organization.opening_quorum = quorum
    organization.save(update_fields=["opening_quorum"])
    record(
        action="organization.opening_quorum_changed",
        actor=actor,
        obj=organization,
        organization_id=organization.pk,
        data={"from": previous, "to": quorum},
    )
    return organization
