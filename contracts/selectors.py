"""Which contracts, checks and deviations a user reaches, and the states that follow from the
clock (computed on every read, never stored).

Buyer-side readers (admin, officer, auditor) reach their organisation's contracts; a
supplier's bidders reach their own organisation's; evaluators, other organisations and other
suppliers reach none (404). A scheduled check is visible from its ``requested_at``.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from contracts import schedule
from contracts.models import Check, CheckDocument, Commitment, Contract, Deviation
from criteria.models import Category
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


# The categories of commitments the follow-up report counts, in its order.
FOLLOW_UP_CATEGORIES = tuple(str(category) for category in Category)


def follow_up_figures(
    organization: Any,
    start: dt.date,
    end: dt.date,
    *,
    explain: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The contracts block of the follow-up report (API.md, "Third wave") for the days
    ``start`` to ``end`` (both included), counted in SQL: four queries (eight with
    ``explain``), whatever the number of contracts.

    ``active``: contracts in force on some day of the period (started by its end, not ended
    before its start, not terminated before it). Checks count by their due date in the
    period: ``met`` and ``deviation`` as reviewed, ``overdue`` unanswered and unreviewed past
    the due date, ``open`` the rest (requested, or answered and waiting for review).
    ``on_time_share``: the checks answered (or, without an answer, reviewed) by their due date
    and reviewed ``met``, over the checks due. Deviations: ``opened`` and ``closed`` in the
    period, ``open`` at its end. ``by_category``: per commitment category, the commitments of
    the active contracts and their checks due in the period. With ``explain``, ``ids`` holds
    the ids behind each figure.
    """
    today = schedule.today(now)
    since, until = schedule.start_of(start), schedule.start_of(end + dt.timedelta(days=1))
    active = Contract.objects.filter(
        Q(terminated_at__isnull=True) | Q(terminated_at__gte=since),
        organization=organization,
        starts_on__lte=end,
        ends_on__gte=start,
        signed_on__lte=end,
    )
    checks = Check.objects.filter(
        contract__organization=organization, due_on__gte=start, due_on__lte=end
    ).annotate(
        answered_on=TruncDate(Coalesce("submitted_at", "reviewed_at"), tzinfo=schedule.local_zone())
    )
    met, deviation = Q(outcome=Check.Outcome.MET), Q(outcome=Check.Outcome.DEVIATION)
    overdue = Q(outcome="", submitted_at__isnull=True, due_on__lt=today)
    on_time = met & Q(answered_on__lte=F("due_on"))
    in_category = {c: Q(commitment__category=c) for c in FOLLOW_UP_CATEGORIES}
    counted = checks.aggregate(
        due=Count("pk"),
        met=Count("pk", filter=met),
        deviation=Count("pk", filter=deviation),
        overdue=Count("pk", filter=overdue),
        on_time=Count("pk", filter=on_time),
        **{f"{c}__checks_due": Count("pk", filter=q) for c, q in in_category.items()},
        **{f"{c}__met": Count("pk", filter=q & met) for c, q in in_category.items()},
        **{f"{c}__deviation": Count("pk", filter=q & deviation) for c, q in in_category.items()},
    )
    commitments = Commitment.objects.filter(contract__in=active)
    promised = commitments.aggregate(
        **{c: Count("pk", filter=Q(category=c)) for c in FOLLOW_UP_CATEGORIES}
    )
    deviations = Deviation.objects.filter(contract__organization=organization)
    opened = Q(opened_at__gte=since, opened_at__lt=until)
    closed = Q(closed_at__gte=since, closed_at__lt=until)
    still_open = Q(opened_at__lt=until) & (Q(closed_at__isnull=True) | Q(closed_at__gte=until))
    found = deviations.aggregate(
        opened=Count("pk", filter=opened),
        closed=Count("pk", filter=closed),
        open=Count("pk", filter=still_open),
    )
    due = counted["due"]
    on_time_share = None
    if due:
        on_time_share = format(
            (Decimal(counted["on_time"]) / Decimal(due)).quantize(
                Decimal("0.0001"), rounding=ROUND_HALF_UP
            ),
            "f",
        )
    figures: dict[str, Any] = {
        "active": active.count(),
        "checks": {
            "due": due,
            "met": counted["met"],
            "deviation": counted["deviation"],
            "overdue": counted["overdue"],
            "open": due - counted["met"] - counted["deviation"] - counted["overdue"],
            "on_time_share": on_time_share,
        },
        "deviations": found,
        "by_category": {
            c: {
                "commitments": promised[c],
                "checks_due": counted[f"{c}__checks_due"],
                "met": counted[f"{c}__met"],
                "deviation": counted[f"{c}__deviation"],
            }
            for c in FOLLOW_UP_CATEGORIES
        },
    }
    if explain:
        figures["ids"] = _follow_up_ids(
            active, checks, commitments, deviations, today, since, until
        )
    return figures


def _follow_up_ids(active, checks, commitments, deviations, today, since, until) -> dict:
    """The ids behind each figure of ``follow_up_figures`` (four queries)."""

    def ids(rows) -> list[str]:
        return sorted(str(pk) for pk in rows)

    rows = list(
        checks.values_list(
            "pk", "commitment__category", "outcome", "submitted_at", "due_on", "answered_on"
        )
    )

    def status(outcome, submitted_at, due_on) -> str:
        if outcome:
            return outcome
        if submitted_at is None and due_on < today:
            return "overdue"
        return "open"

    by_status: dict[str, list] = {"met": [], "deviation": [], "overdue": [], "open": []}
    on_time = []
    for pk, _category, outcome, submitted_at, due_on, answered_on in rows:
        by_status[status(outcome, submitted_at, due_on)].append(pk)
        if outcome == Check.Outcome.MET and answered_on is not None and answered_on <= due_on:
            on_time.append(pk)
    promised = list(commitments.values_list("pk", "category"))
    dev_rows = list(deviations.values_list("pk", "opened_at", "closed_at"))
    return {
        "active": ids(active.values_list("pk", flat=True)),
        "checks": {
            "due": ids(r[0] for r in rows),
            **{key: ids(found) for key, found in by_status.items()},
            "on_time": ids(on_time),
        },
        "deviations": {
            "opened": ids(pk for pk, o, _c in dev_rows if since <= o < until),
            "closed": ids(pk for pk, _o, c in dev_rows if c is not None and since <= c < until),
            "open": ids(pk for pk, o, c in dev_rows if o < until and (c is None or c >= until)),
        },
        "by_category": {
            category: {
                "commitments": ids(pk for pk, c in promised if c == category),
                "checks_due": ids(r[0] for r in rows if r[1] == category),
                "met": ids(r[0] for r in rows if r[1] == category and r[2] == "met"),
                "deviation": ids(r[0] for r in rows if r[1] == category and r[2] == "deviation"),
            }
            for category in FOLLOW_UP_CATEGORIES
        },
    }
