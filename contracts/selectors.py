"""Which contracts, checks and deviations a user reaches, and the states that follow from the
clock (computed on every read, never stored).

Buyer-side readers (admin, officer, auditor) reach their organisation's contracts; a
supplier's bidders reach their own organisation's; evaluators, other organisations and other
suppliers reach none (404). A scheduled check is visible from its ``requested_at``.
"""

import datetime as dt
from typing import Any

from django.db.models import Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from contracts import schedule
from contracts.models import Check, CheckDocument, Commitment, Contract, Deviation
from procurement import policy
from procurement.models import Role, User
from procurement.policy import Action


def _scope(user: User, queryset: QuerySet, path: str = "") -> QuerySet:
    if not policy.may(user, Action.CONTRACT_READ) or not user.organization_id:
        return queryset.none()
    if user.role == Role.BIDDER:
        return queryset.filter(**{f"{path}supplier_id": user.organization_id})
    return queryset.filter(**{f"{path}organization_id": user.organization_id})


def visible_checks(now: dt.datetime | None = None) -> Q:
    return Q(requested_at__lte=now or timezone.now())


def overdue_checks(now: dt.datetime | None = None) -> Q:
    """Unanswered, unreviewed, visible checks whose due date has passed."""
    now = now or timezone.now()
    return (
        visible_checks(now)
        & Q(submitted_at__isnull=True, outcome="")
        & Q(due_on__lt=schedule.today(now))
    )


def commitments_with_next_due(queryset: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    """``upcoming``: the next due date from today of the commitment's schedule."""
    today = schedule.today(now)
    return queryset.annotate(
        upcoming=Min("checks__due_on", filter=Q(checks__due_on__gte=today))
    ).order_by("position", "code")


def contracts_for(user: User, now: dt.datetime | None = None) -> QuerySet[Contract]:
    """The contracts the user reaches, each with its commitments (``listed_commitments``)."""
    commitments = commitments_with_next_due(Commitment.objects.all(), now)
    return (
        _scope(user, Contract.objects.all())
        .select_related("supplier")
        .prefetch_related(Prefetch("commitments", commitments, to_attr="listed_commitments"))
    )


def with_overdue(contracts: QuerySet[Contract], now: dt.datetime | None = None) -> QuerySet:
    return contracts.filter(
        Exists(Check.objects.filter(overdue_checks(now), contract=OuterRef("pk")))
    )


def by_status(contracts: QuerySet[Contract], status: str) -> QuerySet[Contract]:
    today = schedule.today()
    if status == Contract.Status.TERMINATED:
        return contracts.filter(status=Contract.Status.TERMINATED)
    active = contracts.filter(status=Contract.Status.ACTIVE)
    if status == Contract.Status.ENDED:
        return active.filter(ends_on__lt=today)
    return active.filter(ends_on__gte=today)


def contract_status(contract: Contract, now: dt.datetime | None = None) -> str:
    if contract.status == Contract.Status.TERMINATED:
        return Contract.Status.TERMINATED
    if schedule.today(now) > contract.ends_on:
        return Contract.Status.ENDED
    return Contract.Status.ACTIVE


def check_status(check: Check, now: dt.datetime | None = None) -> str:
    if check.outcome:
        return check.outcome
    if check.submitted_at is not None:
        return Check.Status.SUBMITTED
    if schedule.today(now) > check.due_on:
        return Check.Status.OVERDUE
    return Check.Status.REQUESTED


def commitments_of(contract: Contract) -> QuerySet[Commitment]:
    return commitments_with_next_due(Commitment.objects.filter(contract=contract))


def checks_for(user: User, now: dt.datetime | None = None) -> QuerySet[Check]:
    return (
        _scope(user, Check.objects.filter(visible_checks(now)), "contract__")
        .select_related("contract", "commitment", "submitted_by", "reviewed_by", "deviation")
        .prefetch_related("documents")
    )


def checks_of(contract: Contract, now: dt.datetime | None = None) -> QuerySet[Check]:
    return (
        Check.objects.filter(visible_checks(now), contract=contract)
        .select_related("contract", "commitment", "submitted_by", "reviewed_by", "deviation")
        .prefetch_related("documents")
        .order_by("due_on", "created_at")
    )


def check_documents(check: Check) -> QuerySet[CheckDocument]:
    return CheckDocument.objects.filter(check_ref=check)


def deviations_for(user: User) -> QuerySet[Deviation]:
    return _scope(user, Deviation.objects.all(), "contract__").select_related("contract")


def deviations_of(contract: Contract) -> QuerySet[Deviation]:
    return Deviation.objects.filter(contract=contract).select_related("contract")


def next_change_after(now: dt.datetime) -> dt.datetime | None:
    """The next moment at which something a reader sees of the contracts changes with the
    clock alone: a scheduled check becomes visible, an unanswered check becomes overdue, or a
    contract ends. The read cache keeps no answer past it (api.readcache, ADR 0011)."""
    today = schedule.today(now)
    checks: dict[str, Any] = Check.objects.aggregate(
        visible=Min("requested_at", filter=Q(requested_at__gt=now)),
        # the day after a due date: an unanswered check turns overdue, a commitment's next
        # due date moves on
        due=Min("due_on", filter=Q(due_on__gte=today)),
    )
    ends = Contract.objects.filter(status=Contract.Status.ACTIVE, ends_on__gte=today).aggregate(
        next=Min("ends_on")
    )["next"]
    moments = [
        checks["visible"],
        schedule.overdue_from(checks["due"]) if checks["due"] else None,
        schedule.overdue_from(ends) if ends else None,
    ]
    found = [m for m in moments if m is not None]
    return min(found) if found else None
