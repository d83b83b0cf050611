"""The officer workbench, part 3: the contract follow-up after the award (API.md, "Third wave").

Per awarded lot, an officer signs the contract from the tender's contracts page; the contract's
page shows its commitments with their promise, verification and next due date, its checks and
its deviations; a commitment's schedule changes and a check is added on pages of their own; a
check's page shows the supplier's answer and evidence and takes the review; a deviation's page
shows its history from the audit trail and takes its close.

Every button calls the service the API calls (``contracts.services``): the rules, the audit
trail and the events are the same, and a refusal (409/400) is shown as the form's errors in the
page's language. Who sees what is the selectors' and the policy's: buyer-side readers
(officers, admins, auditors) read their organisation's contracts, officers change them,
evaluators and other organisations get a 404.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.models import AuditEvent
from contracts import selectors, services
from contracts.models import Check, Commitment, Contract, Deviation, Verification
from procurement import policy
from procurement.errors import DomainError
from procurement.formfields import LocalDateField, LocalDecimalField
from procurement.models import Lot, Tender, User
from procurement.policy import Action
from procurement.selectors import audit_events_for, tenders_for
from procurement.uploads import file_response
from scoring.models import Award, AwardedBid
from workbench import formats, panels, words
from workbench.forms import place_errors

# The admin's date picker, as on the tender's pages; typed "1 mars 2027" or ISO both read.
DATE_INPUT = AdminDateWidget()
TEXT_AREA = {"rows": 3, "cols": 60}
# The desk lists this many lots to sign (the newest awards first).
SIGN_TASKS_SHOWN = 5
FOLLOW_UP_SHOWN = 10


# --- forms ----------------------------------------------------------------------------------


class SignForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Contract reference"), max_length=100)
    signed_on = LocalDateField(label=gettext_lazy("Signed on"), widget=DATE_INPUT)
    starts_on = LocalDateField(label=gettext_lazy("Starts on"), widget=DATE_INPUT)
    ends_on = LocalDateField(label=gettext_lazy("Ends on"), widget=DATE_INPUT)
    value = LocalDecimalField(
        label=gettext_lazy("Contract value"), max_digits=18, decimal_places=2, min_value=0
    )


class ScheduleForm(forms.Form):
    verification = forms.ChoiceField(
        label=gettext_lazy("Verification"), choices=Verification.choices
    )
    every_months = forms.IntegerField(
        label=gettext_lazy("Every (months)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=gettext_lazy("Empty: checked once."),
    )
    next_due_on = LocalDateField(
        label=gettext_lazy("Next due date"), required=False, widget=DATE_INPUT
    )


class CheckForm(forms.Form):
    commitment = forms.ChoiceField(label=gettext_lazy("Commitment"))
    due_on = LocalDateField(label=gettext_lazy("Due on"), widget=DATE_INPUT)
    request = forms.CharField(
        label=gettext_lazy("What the supplier should show"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs=TEXT_AREA),
    )

    def __init__(self, *args, commitments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commitment"].choices = [(str(c.pk), commitment_title(c)) for c in commitments]


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (Check.Outcome.MET, gettext_lazy("Met: the commitment is kept")),
            (Check.Outcome.DEVIATION, gettext_lazy("Deviation: the commitment is not kept")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs=TEXT_AREA),
        help_text=gettext_lazy("For a deviation, its description."),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=Deviation.Severity.choices,
        initial=Deviation.Severity.MINOR,
        required=False,
    )
    remedy_due_on = LocalDateField(
        label=gettext_lazy("To be remedied by"), required=False, widget=DATE_INPUT
    )
    sanction = LocalDecimalField(
        label=gettext_lazy("Sanction"),
        required=False,
        max_digits=18,
        decimal_places=2,
        min_value=0,
        help_text=gettext_lazy("A contractual penalty, if any; empty: none."),
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("How the deviation ends"),
        choices=[
            (Deviation.Status.REMEDIED, gettext_lazy("Remedied: the supplier has put it right")),
            (Deviation.Status.ACCEPTED, gettext_lazy("Accepted: it stands, with no more action")),
            (
                Deviation.Status.TERMINATED,
                gettext_lazy("Terminated: the contract ends because of it"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs=TEXT_AREA),
    )


def refused(form: forms.Form, error: DomainError, contract: Contract | None = None) -> None:
    """The service's refusal as the form's errors: a field it names shows its message, the
    rest (a 409: the state does not allow it) the form as a whole. Where the service's text
    carries a time or dates as the API speaks them (UTC, ISO), the page says them in the
    workbench's time and the language's date format."""
    if error.code == "standstill" and error.extra.get("standstill_ends_at"):
        form.add_error(
            None,
            _("The standstill period ends %(moment)s; sign the contract after it.")
            % {"moment": formats.when_zoned(error.extra["standstill_ends_at"])},
        )
        return
    if error.errors:
        place_errors(form, _in_words(error.errors, contract), "", tuple(form.fields))
    else:
        form.add_error(None, error.message)


def _in_words(errors: list[dict[str, str]], contract: Contract | None) -> list[dict[str, str]]:
    """A date range the service names in ISO (``outside_contract``) in the page's words."""
    worded = []
    for item in errors:
        if item.get("code") == "outside_contract" and contract is not None:
            item = {
                **item,
                "message": _("A date within the contract (%(start)s to %(end)s).")
                % {"start": formats.day(contract.starts_on), "end": formats.day(contract.ends_on)},
            }
        worded.append(item)
    return worded


# --- words ----------------------------------------------------------------------------------


def commitment_title(commitment: Commitment) -> str:
    if panels.lang() == "en" and commitment.title_en:
        return commitment.title_en
    return commitment.title_sv


def promise_words(commitment: Commitment) -> str:
    """The winning bid's answer as the bid page shows it; a dash where nothing was promised."""
    if commitment.promised is None:
        return formats.DASH
    return panels.answer_words(commitment.tender_criterion, commitment.promised)


def schedule_words(commitment: Commitment) -> str:
    if not commitment.every_months:
        return _("once")
    return ngettext("every month", "every %(count)s months", commitment.every_months) % {
        "count": commitment.every_months
    }


def contract_status_label(contract: Contract) -> str:
    return str(Contract.Status(selectors.contract_status(contract)).label)


def check_status_label(check: Check) -> str:
    return str(Check.Status(selectors.check_status(check)).label)


def sanction_words(deviation: Deviation) -> str:
    if deviation.sanction_amount is None:
        return _("None")
    return formats.money(deviation.sanction_amount, deviation.sanction_currency)


DEVIATION_FIELD_WORDS = {
    "severity": gettext_lazy("severity"),
    "description": gettext_lazy("description"),
    "remedy_due_on": gettext_lazy("remedy due on"),
    "sanction": gettext_lazy("sanction"),
}


def _history_detail(event: AuditEvent) -> str:
    data = event.data or {}
    if event.action == "contract.deviation_opened":
        severity = data.get("severity")
        return (
            _("Severity: %(severity)s") % {"severity": Deviation.Severity(severity).label}
            if severity in Deviation.Severity.values
            else ""
        )
    if event.action == "contract.deviation_changed":
        changed = [
            str(DEVIATION_FIELD_WORDS.get(k, words.readable(k))) for k in data.get("after", {})
        ]
        return _("Changed: %(fields)s") % {"fields": ", ".join(changed)} if changed else ""
    if event.action == "contract.deviation_closed":
        status = data.get("status")
        return (
            _("Closed as: %(status)s") % {"status": Deviation.Status(status).label}
            if status in Deviation.Status.values
            else ""
        )
    return ""


def deviation_history(user: User, deviation: Deviation) -> list[dict[str, str]]:
    """The deviation's own events in the audit trail, oldest first, in words."""
    events = audit_events_for(user).filter(object_id=str(deviation.pk)).order_by("sequence")
    return [
        {
            "when": formats.when_short(event.created_at),
            "what": capfirst(words.action(event.action)),
            "who": words.actor(event.actor_username),
            "detail": _history_detail(event),
        }
        for event in events
    ]


# --- the desk -------------------------------------------------------------------------------


def _contract_url(contract: Contract, name: str = "", *args: Any) -> str:
    suffix = f"_{name}" if name else ""
    return reverse(
        f"admin:procurement_tender_contract{suffix}",
        args=[quote(contract.tender_id), contract.pk, *args],
    )


def lots_to_sign(user: User, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Awarded lots of the user's organisation without a contract, whose standstill period
    has ended: the newest awards first. Only for those who may sign (officers)."""
    if not policy.may(user, Action.CONTRACT_MANAGE, organization_id=user.organization_id):
        return []
    now = now or timezone.now()
    awards = (
        Award.objects.filter(
            tender__in=tenders_for(user).filter(status=Tender.Status.AWARDED),
            standstill_ends_at__lte=now,
        )
        .select_related("tender")
        .order_by("-decided_at")
    )
    signed = {
        str(pk)
        for pk in Contract.objects.filter(tender__in=awards.values("tender")).values_list(
            "lot_id", flat=True
        )
    }
    found = []
    for award in awards:
        lots = [item["lot"] for item in award.lots if item.get("bids")]
        waiting = [lot for lot in lots if lot not in signed]
        if waiting:
            found.append({"tender": award.tender, "lots": len(waiting)})
    return found


def sign_tasks(user: User) -> tuple[list[dict[str, Any]], int]:
    """Rows of the desk's "To do next": one per tender with lots to sign, the newest awards
    first; and how many more tenders wait (the desk says so rather than list them all)."""
    waiting = lots_to_sign(user)
    rows = []
    for item in waiting[:SIGN_TASKS_SHOWN]:
        tender = item["tender"]
        label = (
            _("Sign the contract")
            if item["lots"] == 1
            else ngettext(
                "Sign the contracts (%(count)s lot)",
                "Sign the contracts (%(count)s lots)",
                item["lots"],
            )
            % {"count": item["lots"]}
        )
        url = reverse("admin:procurement_tender_contracts", args=[quote(tender.pk)])
        rows.append(
            {
                "tender": tender,
                "url": reverse("admin:procurement_tender_change", args=[quote(tender.pk)]),
                "deadline": formats.when_zoned(tender.submission_deadline),
                "next": {"label": label, "url": url},
            }
        )
    return rows, max(len(waiting) - SIGN_TASKS_SHOWN, 0)


def follow_up_desk(user: User) -> dict[str, Any] | None:
    """What the follow-up asks of an officer: open deviations, overdue checks and answered
    checks waiting for a review (None for those who may not read contracts)."""
    if not policy.may(user, Action.CONTRACT_READ, organization_id=user.organization_id):
        return None
    now = timezone.now()
    checks = selectors.checks_for(user, now).select_related("contract__tender")
    overdue = checks.filter(selectors.overdue_checks(now)).order_by("due_on")
    answered = checks.filter(submitted_at__isnull=False, outcome="").order_by("submitted_at")
    deviations = (
        selectors.deviations_for(user)
        .filter(status=Deviation.Status.OPEN)
        .select_related("contract__tender", "commitment")
        .order_by("opened_at")
    )

    def check_row(check: Check, when: str) -> dict[str, Any]:
        return {
            "contract": check.contract,
            "tender": check.contract.tender,
            "what": commitment_title(check.commitment),
            "when": when,
            "url": _contract_url(check.contract, "check", check.pk),
        }

    return {
        "deviations": [
            {
                "contract": d.contract,
                "tender": d.contract.tender,
                "what": commitment_title(d.commitment),
                "severity": Deviation.Severity(d.severity).label,
                "when": formats.day(d.remedy_due_on),
                "url": _contract_url(d.contract, "deviation", d.pk),
            }
            for d in deviations[:FOLLOW_UP_SHOWN]
        ],
        "overdue": [check_row(c, formats.day(c.due_on)) for c in overdue[:FOLLOW_UP_SHOWN]],
        "answered": [check_row(c, formats.day(c.submitted_at)) for c in answered[:FOLLOW_UP_SHOWN]],
        "counts": {
            "deviations": deviations.count(),
            "overdue": overdue.count(),
            "answered": answered.count(),
        },
    }


# --- the pages ------------------------------------------------------------------------------


class ContractPagesMixin:
    """Added to the Tender admin: URLs and views for the contracts of an awarded tender."""

    get_object: Callable[..., Tender]
    _render: Callable[..., Any]
    message_user: Callable[..., Any]

    def contract_views(self):
        one = "contracts/<uuid:contract_id>/"
        check = f"{one}checks/<uuid:check_id>/"
        return [
            ("contracts/", self.contracts_view, "tender_contracts"),
            (one, self.contract_view, "tender_contract"),
            (
                f"{one}commitments/<uuid:commitment_id>/",
                self.schedule_view,
                "tender_contract_schedule",
            ),
            (f"{one}checks/new/", self.add_check_view, "tender_contract_add_check"),
            (check, self.check_view, "tender_contract_check"),
            (
                f"{check}documents/<uuid:document_id>/",
                self.check_document_view,
                "tender_contract_check_document",
            ),
            (
                f"{one}deviations/<uuid:deviation_id>/",
                self.deviation_view,
                "tender_contract_deviation",
            ),
        ]

    # --- what the tender page shows --------------------------------------------------------

    def contracts_context(self, request, tender: Tender) -> dict[str, Any]:
        if tender.status != Tender.Status.AWARDED or not policy.may(
            request.user, Action.CONTRACT_READ, tender
        ):
            return {}
        contracts = selectors.contracts_for(request.user).filter(tender=tender)
        return {
            "contracts_url": reverse("admin:procurement_tender_contracts", args=[quote(tender.pk)]),
            "contract_links": [
                {"contract": c, "url": _contract_url(c), "lot": c.lot_id}
                for c in contracts.order_by("reference")
            ],
        }

    # --- access ----------------------------------------------------------------------------

    def _contract_tender(self, request, object_id) -> Tender:
        """The tender (another organisation's is a 404), for those who read contracts."""
        tender = self.get_object(request, unquote(object_id))
        if not policy.may(request.user, Action.CONTRACT_READ, tender):
            raise Http404
        return tender

    def _contract(self, request, object_id, contract_id) -> tuple[Tender, Contract]:
        tender = self._contract_tender(request, object_id)
        contract = (
            selectors.contracts_for(request.user)
            .filter(tender=tender, pk=contract_id)
            .select_related("lot", "tender")
            .first()
        )
        if contract is None:
            raise Http404
        return tender, contract

    def _manages(self, request, contract_or_tender) -> bool:
        return policy.may(request.user, Action.CONTRACT_MANAGE, contract_or_tender)

    def _officer_contract(self, request, object_id, contract_id) -> tuple[Tender, Contract]:
        tender, contract = self._contract(request, object_id, contract_id)
        if not self._manages(request, contract):
            raise Http404
        return tender, contract

    def _contract_page(self, request, tender, contract, template, **context):
        return self._render(
            request,
            tender,
            template,
            contract=contract,
            contracts_url=reverse("admin:procurement_tender_contracts", args=[quote(tender.pk)]),
            contract_url=_contract_url(contract) if contract else None,
            **context,
        )

    def _to(self, request, message, url):
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(url)

    # --- the tender's contracts, and signing ------------------------------------------------

    def contracts_view(self, request, object_id):
        tender = self._contract_tender(request, object_id)
        award = Award.objects.filter(tender=tender).first()
        if award is None:
            raise Http404
        manages = self._manages(request, tender)
        lots = {str(lot.pk): lot for lot in Lot.objects.filter(tender=tender)}
        winners = {
            str(w.bid_id): w
            for w in AwardedBid.objects.filter(award=award).select_related("bid__supplier")
        }
        contracts = {
            str(c.lot_id): c for c in selectors.contracts_for(request.user).filter(tender=tender)
        }
        posted = request.POST.get("lot") if request.method == "POST" and manages else None
        rows = []
        for item in award.lots:
            if not item.get("bids") or item["lot"] not in lots:
                continue
            lot = lots[item["lot"]]
            winner = winners.get(item["bids"][0])
            contract = contracts.get(item["lot"])
            row: dict[str, Any] = {
                "lot": lot,
                "several": len(lots) > 1,
                "supplier": winner.bid.supplier.name if winner else formats.DASH,
                "contract": contract,
                "url": _contract_url(contract) if contract else None,
                "status": contract_status_label(contract) if contract else None,
                "value": (
                    formats.money(contract.value_amount, contract.value_currency)
                    if contract
                    else None
                ),
            }
            if contract is None and manages:
                prefix = f"lot{lot.number}"
                form = SignForm(
                    request.POST if posted == item["lot"] else None,
                    prefix=prefix,
                )
                if posted == item["lot"] and form.is_valid():
                    data = form.cleaned_data
                    try:
                        signed = services.sign_contract(
                            tender=tender,
                            actor=request.user,
                            lot=lot,
                            reference=data["reference"],
                            signed_on=data["signed_on"],
                            starts_on=data["starts_on"],
                            ends_on=data["ends_on"],
                            value_amount=data["value"],
                            value_currency=tender.currency,
                        )
                    except DomainError as error:
                        refused(form, error)
                    else:
                        return self._to(
                            request,
                            _("Contract %(reference)s is signed with %(supplier)s.")
                            % {"reference": signed.reference, "supplier": row["supplier"]},
                            _contract_url(signed),
                        )
                row["form"] = form
                row["waiting"] = (
                    formats.when_zoned(award.standstill_ends_at)
                    if timezone.now() < award.standstill_ends_at
                    else None
                )
            rows.append(row)
        return self._contract_page(
            request,
            tender,
            None,
            "contracts.html",
            title=_("Contracts: %(reference)s") % {"reference": tender.reference},
            rows=rows,
            currency=tender.currency,
            # A form of the page, so that base_page loads the date picker's scripts.
            form=next((row["form"] for row in rows if row.get("form")), None),
        )

    # --- a contract --------------------------------------------------------------------------

    def contract_view(self, request, object_id, contract_id):
        tender, contract = self._contract(request, object_id, contract_id)
        manages = self._manages(request, contract)
        active = selectors.contract_status(contract) == Contract.Status.ACTIVE
        commitments = [
            {
                "title": commitment_title(c),
                "code": c.code,
                "kind": c.tender_criterion.get_kind_display(),
                "category": c.tender_criterion.get_category_display(),
                "promise": promise_words(c),
                "verification": Verification(c.verification).label,
                "schedule": schedule_words(c),
                "next_due": formats.day(c.upcoming),
                "url": (_contract_url(contract, "schedule", c.pk) if manages and active else None),
            }
            for c in selectors.commitments_of(contract).select_related("tender_criterion")
        ]
        checks = [
            {
                "what": commitment_title(c.commitment),
                "due": formats.day(c.due_on),
                "status": check_status_label(c),
                "answered": formats.day(c.submitted_at),
                "url": _contract_url(contract, "check", c.pk),
            }
            for c in selectors.checks_of(contract)
        ]
        deviations = [
            {
                "what": commitment_title(d.commitment),
                "severity": Deviation.Severity(d.severity).label,
                "status": Deviation.Status(d.status).label,
                "remedy": formats.day(d.remedy_due_on),
                "url": _contract_url(contract, "deviation", d.pk),
            }
            for d in selectors.deviations_of(contract).select_related("commitment")
        ]
        return self._contract_page(
            request,
            tender,
            contract,
            "contract.html",
            title=_("Contract %(reference)s") % {"reference": contract.reference},
            status=contract_status_label(contract),
            facts=[
                (_("Supplier"), contract.supplier.name),
                (_("Lot"), str(contract.lot)),
                (_("Signed on"), formats.day(contract.signed_on)),
                (
                    _("Period"),
                    _("%(start)s to %(end)s")
                    % {
                        "start": formats.day(contract.starts_on),
                        "end": formats.day(contract.ends_on),
                    },
                ),
                (_("Value"), formats.money(contract.value_amount, contract.value_currency)),
            ],
            commitments=commitments,
            checks=checks,
            deviations=deviations,
            add_check_url=_contract_url(contract, "add_check") if manages and active else None,
        )

    def schedule_view(self, request, object_id, contract_id, commitment_id):
        tender, contract = self._officer_contract(request, object_id, contract_id)
        commitment = (
            selectors.commitments_of(contract)
            .select_related("tender_criterion")
            .filter(pk=commitment_id)
            .first()
        )
        if commitment is None:
            raise Http404
        initial = {
            "verification": commitment.verification,
            "every_months": commitment.every_months,
            "next_due_on": commitment.upcoming or commitment.next_due_on,
        }
        form = ScheduleForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                services.update_commitment(
                    commitment=commitment,
                    actor=request.user,
                    changes=changes,
                    expected_version=commitment.version,
                )
            except DomainError as error:
                refused(form, error, contract)
            else:
                return self._to(
                    request,
                    _("The schedule of %(commitment)s is changed.")
                    % {"commitment": commitment_title(commitment)},
                    _contract_url(contract),
                )
        return self._contract_page(
            request,
            tender,
            contract,
            "contract_form.html",
            title=_("Schedule: %(commitment)s") % {"commitment": commitment_title(commitment)},
            facts=[
                (_("Contract"), contract.reference),
                (_("Promise"), promise_words(commitment)),
            ],
            intro=_(
                "A new date or interval lays out the checks again from that date; checks "
                "already requested stay."
            ),
            form=form,
            submit=_("Change the schedule"),
        )

    def add_check_view(self, request, object_id, contract_id):
        tender, contract = self._officer_contract(request, object_id, contract_id)
        commitments = list(selectors.commitments_of(contract))
        form = CheckForm(request.POST or None, commitments=commitments)
        if request.method == "POST" and form.is_valid():
            chosen = next(c for c in commitments if str(c.pk) == form.cleaned_data["commitment"])
            try:
                check = services.add_check(
                    contract=contract,
                    actor=request.user,
                    commitment=chosen,
                    due_on=form.cleaned_data["due_on"],
                    request=form.cleaned_data["request"],
                )
            except DomainError as error:
                refused(form, error)
            else:
                return self._to(
                    request,
                    _("The check is requested from %(supplier)s.")
                    % {"supplier": contract.supplier.name},
                    _contract_url(contract, "check", check.pk),
                )
        return self._contract_page(
            request,
            tender,
            contract,
            "contract_form.html",
            title=_("Add a check: %(reference)s") % {"reference": contract.reference},
            facts=[(_("Supplier"), contract.supplier.name)],
            intro=_(
                "The supplier is asked at once, e.g. for an unannounced sample, and answers "
                "by the due date."
            ),
            form=form,
            submit=_("Request the check"),
        )

    # --- a check -----------------------------------------------------------------------------

    def check_view(self, request, object_id, contract_id, check_id):
        tender, contract = self._contract(request, object_id, contract_id)
        check = (
            selectors.checks_of(contract)
            .select_related("commitment__tender_criterion")
            .filter(pk=check_id)
            .first()
        )
        if check is None:
            raise Http404
        reviewable = self._manages(request, contract) and not check.outcome
        form = None
        if reviewable:
            form = ReviewForm(request.POST or None)
            form.fields["sanction"].label = _("Sanction (%(currency)s)") % {
                "currency": contract.value_currency
            }
            if request.method == "POST" and form.is_valid():
                data = form.cleaned_data
                deviation = data["outcome"] == Check.Outcome.DEVIATION
                try:
                    services.review_check(
                        check=check,
                        actor=request.user,
                        outcome=data["outcome"],
                        note=data["note"],
                        severity=data["severity"] or Deviation.Severity.MINOR,
                        remedy_due_on=data["remedy_due_on"] if deviation else None,
                        sanction=(
                            (data["sanction"], contract.value_currency)
                            if deviation and data["sanction"] is not None
                            else None
                        ),
                    )
                except DomainError as error:
                    refused(form, error)
                else:
                    check.refresh_from_db()
                    opened = Deviation.objects.filter(check_ref=check).first()
                    if opened is not None:
                        return self._to(
                            request,
                            _("A deviation is opened."),
                            _contract_url(contract, "deviation", opened.pk),
                        )
                    return self._to(
                        request, _("The check is reviewed as met."), _contract_url(contract)
                    )
        tc = check.commitment.tender_criterion
        answered = check.submitted_at is not None
        deviation = getattr(check, "deviation", None) if check.outcome else None
        return self._contract_page(
            request,
            tender,
            contract,
            "check.html",
            title=_("Check: %(commitment)s") % {"commitment": commitment_title(check.commitment)},
            check=check,
            status=check_status_label(check),
            facts=[
                (_("Contract"), contract.reference),
                (_("Supplier"), contract.supplier.name),
                (_("Promise"), promise_words(check.commitment)),
                (_("Due on"), formats.day(check.due_on)),
                (_("Requested"), formats.when_zoned(check.requested_at)),
            ],
            answer=(
                {
                    "value": panels.answer_words(tc, check.answer_value),
                    "statement": check.answer_statement,
                    "when": formats.when_zoned(check.submitted_at),
                    "who": check.submitted_by.get_full_name() or check.submitted_by.username
                    if check.submitted_by
                    else formats.DASH,
                }
                if answered
                else None
            ),
            documents=[
                {
                    "document": d,
                    "url": _contract_url(contract, "check_document", check.pk, d.pk),
                }
                for d in check.documents.all()
            ],
            review=(
                {
                    "outcome": Check.Outcome(check.outcome).label,
                    "note": check.review_note,
                    "when": formats.when_zoned(check.reviewed_at),
                    "who": (
                        check.reviewed_by.get_full_name() or check.reviewed_by.username
                        if check.reviewed_by
                        else formats.DASH
                    ),
                    "deviation_url": (
                        _contract_url(contract, "deviation", deviation.pk) if deviation else None
                    ),
                }
                if check.outcome
                else None
            ),
            form=form,
        )

    def check_document_view(self, request, object_id, contract_id, check_id, document_id):
        _tender, contract = self._contract(request, object_id, contract_id)
        check = selectors.checks_of(contract).filter(pk=check_id).first()
        document = (
            selectors.check_documents(check).filter(pk=document_id).first() if check else None
        )
        if document is None:
            raise Http404
        return file_response(document)

    # --- a deviation -------------------------------------------------------------------------

    def deviation_view(self, request, object_id, contract_id, deviation_id):
        tender, contract = self._contract(request, object_id, contract_id)
        deviation = (
            selectors.deviations_of(contract)
            .select_related("commitment", "check_ref", "closed_by")
            .filter(pk=deviation_id)
            .first()
        )
        if deviation is None:
            raise Http404
        form = None
        if self._manages(request, contract) and deviation.status == Deviation.Status.OPEN:
            form = CloseForm(request.POST or None)
            if request.method == "POST" and form.is_valid():
                try:
                    services.close_deviation(
                        deviation=deviation,
                        actor=request.user,
                        status=form.cleaned_data["status"],
                        note=form.cleaned_data["note"],
                    )
                except DomainError as error:
                    refused(form, error)
                else:
                    return self._to(
                        request,
                        _("The deviation is closed: %(status)s.")
                        % {"status": Deviation.Status(form.cleaned_data["status"]).label},
                        _contract_url(contract),
                    )
        facts = [
            (_("Contract"), contract.reference),
            (_("Supplier"), contract.supplier.name),
            (_("Commitment"), commitment_title(deviation.commitment)),
            (_("Severity"), Deviation.Severity(deviation.severity).label),
            (
                _("To be remedied by"),
                formats.day(deviation.remedy_due_on),
            ),
            (_("Sanction"), sanction_words(deviation)),
            (_("Opened"), formats.when_zoned(deviation.opened_at)),
        ]
        if deviation.closed_at:
            facts.append((_("Closed"), formats.when_zoned(deviation.closed_at)))
        return self._contract_page(
            request,
            tender,
            contract,
            "deviation.html",
            title=_("Deviation: %(commitment)s")
            % {"commitment": commitment_title(deviation.commitment)},
            deviation=deviation,
            status=Deviation.Status(deviation.status).label,
            facts=facts,
            check_url=_contract_url(contract, "check", deviation.check_ref_id),
            history=deviation_history(request.user, deviation),
            form=form,
        )
