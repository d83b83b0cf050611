"""Every change of the follow-up: the organisation's targets, and publishing a year's report.
Each is audited."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.errors import InvalidInput, StateConflict, field_error
from procurement.models import Organization, User
from procurement.policy import Action
from procurement.services.common import changed_fields, check_version
from reports.followup import CATEGORIES, Period, follow_up
from reports.models import CATEGORY_METRICS, FollowUpTarget, Metric, PublishedReport

TARGET_FIELDS = ("year", "metric", "category", "target", "note")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _check_target(data: dict[str, Any]) -> dict[str, Any]:
    """The target's fields checked together: a category exactly for the category metrics, a
    share between 0 and 1, a year that is one."""
    errors = []
    metric = data.get("metric")
    if metric not in Metric.values:
        errors.append(
            field_error(
                "/metric",
                "invalid_choice",
                _("Use one of: %(choices)s.") % {"choices": ", ".join(Metric.values)},
            )
        )
    category = data.get("category") or ""
    if metric in CATEGORY_METRICS and category not in CATEGORIES:
        errors.append(
            field_error(
                "/category",
                "required" if not category else "invalid_choice",
                _("This metric needs a sustainability category: %(choices)s.")
                % {"choices": ", ".join(map(str, CATEGORIES))},
            )
        )
    elif metric in Metric.values and metric not in CATEGORY_METRICS and category:
        errors.append(field_error("/category", "not_allowed", _("This metric has no category.")))
    target = data.get("target")
    if target is None or not (Decimal(0) <= Decimal(target) <= Decimal(1)):
        errors.append(
            field_error(
                "/target",
                "out_of_range",
                _('A share between 0 and 1, e.g. "0.80" for 80 %.'),
            )
        )
    year = data.get("year")
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        errors.append(
            field_error(
                "/year",
                "out_of_range",
                _("A year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        )
    if errors:
        raise InvalidInput(_("The target is not valid."), errors=errors)
    return {**data, "category": category if metric in CATEGORY_METRICS else ""}


def _duplicate() -> InvalidInput:
    return InvalidInput(
        _("The organisation already has this target this year."),
        errors=[field_error("/metric", "unique", _("Change the existing target instead."))],
    )


@transaction.atomic
def create_target(*, actor: User, organization: Organization, **fields: Any) -> FollowUpTarget:
    policy.require(actor, Action.FOLLOW_UP_TARGETS, organization_id=organization.pk)
    data = _check_target({name: fields.get(name) for name in TARGET_FIELDS})
    data["note"] = data.get("note") or ""
    try:
        with transaction.atomic():
            target = FollowUpTarget.objects.create(
                organization=organization, created_by=actor, **data
            )
    except IntegrityError as exc:
        raise _duplicate() from exc
    record(
        action="follow_up_target.created",
        actor=actor,
        obj=target,
        object_type="follow_up_target",
        organization_id=organization.pk,
        data={name: getattr(target, name) for name in TARGET_FIELDS},
    )
    return target


@transaction.atomic
def update_target(
    *,
    target: FollowUpTarget,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> FollowUpTarget:
    policy.require(actor, Action.FOLLOW_UP_TARGETS, organization_id=target.organization_id)
    target = FollowUpTarget.objects.select_for_update().get(pk=target.pk)
    check_version(target, expected_version)
    changes = {name: value for name, value in changes.items() if name in TARGET_FIELDS}
    merged = _check_target(
        {name: changes.get(name, getattr(target, name)) for name in TARGET_FIELDS}
    )
    changes = {name: merged[name] for name in changes} | {"category": merged["category"]}
    if "note" in changes:
        changes["note"] = changes["note"] or ""
    diff = changed_fields(target, changes)
    if not diff:
        return target
    for name in diff:
        setattr(target, name, changes[name])
    target.version += 1
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise _duplicate() from exc
    record(
        action="follow_up_target.updated",
        actor=actor,
        obj=target,
        object_type="follow_up_target",
        organization_id=target.organization_id,
        data={"changes": diff},
    )
    return target


@transaction.atomic
def delete_target(*, target: FollowUpTarget, actor: User) -> None:
    policy.require(actor, Action.FOLLOW_UP_TARGETS, organization_id=target.organization_id)
    record(
        action="follow_up_target.deleted",
        actor=actor,
        obj=target,
        object_type="follow_up_target",
        organization_id=target.organization_id,
        data={name: getattr(target, name) for name in TARGET_FIELDS},
    )
    target.delete()


def report_bytes(report: dict[str, Any]) -> bytes:
    """The stored form of a published report: sorted keys, no spaces, UTF-8 (its SHA-256 is
    over exactly these bytes)."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@transaction.atomic
def publish_report(
    *, actor: User, organization: Organization, year: int, note: str = ""
) -> PublishedReport:
    """Freeze the year's report: stored JSON with its SHA-256, never changed. Publishing again
    makes a new version that names the one it replaces (a correction), with a note why."""
    policy.require(actor, Action.FOLLOW_UP_PUBLISH, organization_id=organization.pk)
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        raise InvalidInput(
            _("A year up to this one (%(year)s) can be published.") % {"year": this_year},
            errors=[field_error("/year", "out_of_range", _("not a year to publish"))],
        )
    # One publisher at a time per organisation: the organisation row is the lock.
    Organization.objects.select_for_update().get(pk=organization.pk)
    latest = (
        PublishedReport.objects.filter(organization=organization, year=year)
        .order_by("-version")
        .first()
    )
    if latest is not None and not note.strip():
        raise StateConflict(
            _(
                "The report of %(year)s is published (version %(version)s). A correction is a "
                "new version: say in a note what it corrects."
            )
            % {"year": year, "version": latest.version},
            code="already_published",
        )
    report = public_figures(follow_up(organization, Period.year(year)))
    body = report_bytes(report)
    published = PublishedReport.objects.create(
        organization=organization,
        year=year,
        version=(latest.version + 1) if latest else 1,
        report_json=body.decode(),
        sha256=hashlib.sha256(body).hexdigest(),
        replaces=latest,
        note=note.strip(),
        published_by=actor,
        published_at=timezone.now(),
    )
    record(
        action="follow_up.published",
        actor=actor,
        obj=published,
        object_type="follow_up_report",
        organization_id=organization.pk,
        data={
            "year": year,
            "version": published.version,
            "sha256": published.sha256,
            "replaces": latest.pk if latest else None,
            "note": published.note,
        },
    )
    return published


def public_figures(report: dict[str, Any]) -> dict[str, Any]:
    """What may be public: aggregated figures over published and awarded tenders, never ids
    (an explanation's lists) and never anything sealed or personal. The report has neither,
    but this is where that is decided."""
    return {key: value for key, value in report.items() if key != "explain"}


def when_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
