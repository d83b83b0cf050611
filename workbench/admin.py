"""The officer workbench: a tender's page in the admin, from an empty draft to the opening.

The page shows the details and the evaluation settings as a form, the pre-publish checks,
the criteria with their weights, the supplier burden, the documents and, after the opening,
the protocol. Each lifecycle step (publish, amend, cancel, open) is a button that leads to a
confirmation page saying what will happen; the step is the same service the API calls, so the
rules, the seal and the audit trail are the same. A refused step shows the service's message
on the page. Criteria are added from the library (a searchable picker) or as an own
criterion with a form per rule type, and a simulation shows the ranking a few fictitious bids
would get.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.models import AuditEvent
from criteria.models import Kind, TenderCriterion
from criteria.selectors import criteria_for
from criteria.services import amend_tender, attach_criterion, copy_tender, remove_lot
from procurement import policy
from procurement.admin import (
    LOCAL_INPUTS,
    AuditHistoryMixin,
    ScopedAdmin,
    ServiceFormsMixin,
    adopt,
    describe,
    events_about_visible_object,
    may_edit_draft,
    may_use_admin,
)
from procurement.errors import DomainError
from procurement.formfields import LocalDecimalField
from procurement.models import Lot, Tender, TenderDocument
from procurement.policy import Action
from procurement.selectors import tenders_for
from procurement.services.documents import OPEN_FOR_DOCUMENTS, upload_tender_document
from procurement.services.opening import open_tender
from procurement.services.tenders import (
    add_lot,
    cancel_tender,
    create_tender,
    publish_tender,
    update_lot,
    update_tender,
)
from scoring.services.simulation import simulate
from workbench import (
    audit_admin,  # noqa: F401 - registers the audit trail's admin pages
    evaluation_admin,  # noqa: F401 - the evaluations' list in words
    formats,
    panels,
    words,
)
from workbench.contracts import ContractPagesMixin
from workbench.desk import next_step
from workbench.evaluation import EvaluationPagesMixin
from workbench.forms import (
    DETAIL_FIELDS,
    EVALUATION_FIELD_NAMES,
    RULE_TYPES,
    AmendForm,
    AmountsForm,
    CopyForm,
    LibraryFilterForm,
    LotForm,
    OwnCriterionForm,
    ReasonForm,
    SimulationForm,
    TenderForm,
    TieBreakField,
    place_errors,
)
from workbench.records import RecordPagesMixin

LIBRARY_PAGE = 25
LOT_FIELDS = ("title", "description", "estimated_value", "minimum_turnover")
BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
RULE_TYPE_NAMES = dict(RULE_TYPES)
# Read only, the CPV codes are a list in words, not JSON.
READ_ONLY_DETAILS = tuple(
    "cpv_code_list" if name == "cpv_codes" else name for name in DETAIL_FIELDS
)


class LotInline(admin.StackedInline):
    """Lots of a draft are added, changed and removed through add_lot / update_lot /
    remove_lot (the service says when a lot must stay: the last one, or one with criteria)."""

    formfield_overrides = LOCAL_INPUTS
    model = Lot
    form = LotForm
    extra = 0
    fields = ("lot_number", "title", "description", "estimated_value", "minimum_turnover")
    readonly_fields = ("lot_number",)
    show_change_link = False

    @admin.display(description=gettext_lazy("Number"))
    def lot_number(self, lot):
        return lot.number

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    def has_add_permission(self, request, obj):
        return may_edit_draft(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return may_edit_draft(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and policy.may_now(request.user, Action.LOT_REMOVE, obj)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TenderDocument.Kind.choices)
    file = forms.FileField(label=gettext_lazy("File"))


@admin.register(Tender)
class TenderAdmin(
    ContractPagesMixin,
    RecordPagesMixin,
    EvaluationPagesMixin,
    AuditHistoryMixin,
    ServiceFormsMixin,
    ScopedAdmin,
):
    form = TenderForm
    change_form_template = "admin/procurement/tender/change_form.html"
    list_display = (
        "reference",
        "title",
        "organization",
        "status_now",
        "procedure",
        "submission_deadline",
        "bids_received",
    )
    list_filter = ("status", "procedure")
    search_fields = ("reference", "title")
    date_hierarchy = "submission_deadline"
    ordering = ("-created_at",)
    inlines = [LotInline]
    actions = ["publish", "open_bids", "cancel"]
    state_fields = (
        "organization",
        "status_now",
        "bids_received",
        "version",
        "published_at",
        "cancel_reason",
        "opening_requested_by",
        "opening_requested_at",
        "opened_at",
        "created_by",
        "created_at",
        "updated_at",
    )

    def scoped_queryset(self, request):
        return tenders_for(request.user)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_now(self, obj):
        return Tender.Status(obj.effective_status).label

    @admin.display(description=gettext_lazy("bids received"))
    def bids_received(self, obj):
        # The count is all that buyers see before the opening.
        return getattr(obj, "bids_received_count", None)

    @admin.display(description=gettext_lazy("CPV codes"))
    def cpv_code_list(self, obj):
        return ", ".join(obj.cpv_codes or []) or formats.DASH

    def get_fieldsets(self, request, obj=None):
        editable = obj is None or self.has_change_permission(request, obj)
        details = (
            (*DETAIL_FIELDS, "expected_version")
            if obj is not None and editable
            else (DETAIL_FIELDS if editable else READ_ONLY_DETAILS)
        )
        sets = [(_("Details"), {"fields": details})]
        if editable:
            sets.append(
                (
                    _("Evaluation"),
                    {
                        "fields": EVALUATION_FIELD_NAMES,
                        "description": _(
                            "How bids are compared. The settings freeze when the tender is "
                            "published; before the deadline they change only by a reasoned "
                            "amendment."
                        ),
                    },
                )
            )
        if obj is not None:
            sets.append((_("State"), {"fields": self.state_fields, "classes": ("collapse",)}))
        return sets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not self.has_change_permission(request, obj):
            return (*READ_ONLY_DETAILS, *self.state_fields)
        return self.state_fields

    def get_inlines(self, request, obj):
        # A new tender gets lot 1 from create_tender; more lots are added once it exists.
        return self.inlines if obj is not None else []

    def has_add_permission(self, request):
        return policy.may(request.user, Action.TENDER_CREATE)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return policy.may(request.user, Action.TENDER_CHANGE)
        return may_edit_draft(request.user, obj)

    def has_lifecycle_permission(self, request, obj=None, action=Action.TENDER_PUBLISH):
        """May this user take ``action`` on the tender (roles and organisation; the page that
        asks says what the tender's state allows)."""
        return policy.may(request.user, action, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in DETAIL_FIELDS}
            if form.evaluation_changed():
                changes["evaluation"] = data["evaluation"]
            stored = Tender.objects.get(pk=obj.pk)
            saved = update_tender(
                tender=stored,
                actor=request.user,
                changes=changes,
                expected_version=data.get("expected_version"),
            )
        else:
            fields = {name: data[name] for name in DETAIL_FIELDS if name in data}
            saved = create_tender(actor=request.user, evaluation=data["evaluation"], **fields)
        adopt(obj, saved)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Lot:
            raise PermissionDenied
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for lot_form in formset.deleted_forms:
            if lot_form.instance.pk:
                stored = Lot.objects.select_related("tender").get(pk=lot_form.instance.pk)
                remove_lot(lot=stored, actor=request.user)
                formset.deleted_objects.append(stored)
        for lot_form in formset.forms:
            if lot_form in formset.deleted_forms:
                continue
            if not lot_form.has_changed() or not hasattr(lot_form, "cleaned_data"):
                continue
            data = {name: lot_form.cleaned_data.get(name) for name in LOT_FIELDS}
            if lot_form.instance._state.adding:
                lot = add_lot(tender=form.instance, actor=request.user, **data)
                formset.new_objects.append(lot)
            else:
                # The form has already written the new values onto its instance: give the
                # service the stored lot, so that it sees (and audits) the real difference.
                stored = Lot.objects.select_related("tender").get(pk=lot_form.instance.pk)
                changed = [name for name in lot_form.changed_data if name in LOT_FIELDS]
                lot = update_lot(
                    lot=stored,
                    actor=request.user,
                    changes={name: data[name] for name in changed},
                )
                formset.changed_objects.append((lot, changed))

    def history_events(self, request, obj):
        # The tender's own chain: its lots, criteria, documents and opening. What suppliers
        # did (their bids) is on each bid's page, visible once the bids are opened.
        events = AuditEvent.objects.filter(
            Q(object_id=str(obj.pk)) | Q(tender_id=obj.pk, organization_id=obj.organization_id)
        )
        return events_about_visible_object(request.user, events)

    # --- the page ------------------------------------------------------------------------

    def steps(self, request, tender: Tender) -> list[dict[str, Any]]:
        """The lifecycle buttons: exactly the steps the policy allows this user now
        (``policy.allowed_actions``), each to its confirmation page."""
        pages = {
            Action.TENDER_PUBLISH: ("publish", _("Publish")),
            Action.TENDER_AMEND: ("amend", _("Amend")),
            Action.TENDER_OPEN: ("open", _("Start the opening")),
            Action.TENDER_CONFIRM_OPENING: ("open", _("Confirm the opening")),
            Action.TENDER_CANCEL: ("cancel", _("Cancel the tender")),
        }
        return [
            {"name": name, "label": label, "url": self._url(f"tender_{name}", tender)}
            for action in policy.allowed_actions(tender, request.user)
            if action in pages
            for name, label in [pages[action]]
        ]

    def _url(self, name: str, tender: Tender) -> str:
        return reverse(f"admin:procurement_{name}", args=[quote(tender.pk)])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        tender = self.get_object(request, unquote(object_id)) if object_id else None
        if tender is not None:
            extra_context.update(self.page_context(request, tender))
        return super().change_view(request, object_id, form_url, extra_context)

    def page_context(self, request, tender: Tender) -> dict[str, Any]:
        draft = may_edit_draft(request.user, tender)
        officer = self.has_lifecycle_permission(request, tender)
        context = {
            "tender": tender,
            "status_label": Tender.Status(tender.effective_status).label,
            "steps": self.steps(request, tender),
            "next_step": next_step(tender, request.user),
            "criteria_rows": panels.criteria_rows(tender),
            "weights": panels.weight_summary(tender),
            "amount_kind": panels.amount_kind(tender),
            "may_edit_criteria": draft,
            "documents": TenderDocument.objects.filter(tender=tender).order_by(
                "filename", "version"
            ),
            "may_upload": officer and tender.status in OPEN_FOR_DOCUMENTS,
            "amendments": panels.amendment_rows(tender),
            "evaluation_editable": self.has_change_permission(request, tender),
            "protocol": panels.protocol(tender, request.user),
            "evaluation_summary": self.evaluation_summary(tender),
            "links": {
                name: self._url(f"tender_{name}", tender)
                for name in ("library", "own_criterion", "simulate", "documents")
            }
            | (
                {"copy": self._url("tender_copy", tender)}
                if policy.may(request.user, Action.TENDER_COPY, tender)
                else {}
            ),
        }
        context.update(self.evaluation_context(request, tender))
        context.update(self.contracts_context(request, tender))
        if tender.status in (Tender.Status.DRAFT, Tender.Status.PUBLISHED):
            context["checks"] = panels.checks(tender)
            context["burden"] = panels.burden(tender)
        return context

    def evaluation_summary(self, tender: Tender) -> list[tuple[str | Promise | None, Any]]:
        """The evaluation settings in words, for those who may read but not change them."""
        form = TenderForm(instance=tender)
        shown: list[tuple[str | Promise | None, Any]] = []
        for name in EVALUATION_FIELD_NAMES:
            field, value = form.fields[name], form.fields[name].initial
            if value in (None, ""):
                continue
            if isinstance(field, forms.ChoiceField):
                # django-stubs types the choices getter as the setter's input (a mapping, a
                # callable); the getter returns (value, label) pairs.
                value = dict(field.choices).get(value, value)  # type: ignore[arg-type]  # pairs at run time
            elif isinstance(field, forms.BooleanField):
                value = _("yes") if value else _("no")
            elif isinstance(field, TieBreakField):
                titles = dict(tender.tender_criteria.values_list("code", "title"))
                value = ", ".join(
                    words.tie_rule(rule, titles.get(rule.removeprefix("criterion:")))
                    for rule in value
                )
            elif isinstance(field, LocalDecimalField):
                value = formats.number(value)
            shown.append((field.label, value))
        return shown

    # --- lifecycle pages -------------------------------------------------------------------

    def get_urls(self):
        views = [
            ("publish/", self.publish_view, "tender_publish"),
            ("amend/", self.amend_view, "tender_amend"),
            ("cancel/", self.cancel_view, "tender_cancel"),
            ("copy/", self.copy_view, "tender_copy"),
            ("open/", self.open_view, "tender_open"),
            ("criteria/library/", self.library_view, "tender_library"),
            ("criteria/new/", self.own_criterion_view, "tender_own_criterion"),
            ("simulate/", self.simulate_view, "tender_simulate"),
            ("documents/", self.documents_view, "tender_documents"),
            *self.evaluation_views(),
            *self.record_views(),
            *self.contract_views(),
        ]
        own = [
            path(
                f"<path:object_id>/{suffix}",
                self.admin_site.admin_view(view),
                name=f"procurement_{name}",
            )
            for suffix, view, name in views
        ]
        return own + super().get_urls()

    def _officer_tender(self, request, object_id) -> Tender:
        tender = self.get_object(request, unquote(object_id))
        if not self.has_lifecycle_permission(request, tender):
            raise PermissionDenied
        return tender

    def _render(self, request, tender, template, **context):
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            f"admin/procurement/tender/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": tender,
                "tender": tender,
                "change_url": reverse("admin:procurement_tender_change", args=[quote(tender.pk)]),
                **context,
            },
        )

    def _done(self, request, tender, message):
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse("admin:procurement_tender_change", args=[quote(tender.pk)])
        )

    def _refused(self, request, error: DomainError):
        self.message_user(request, describe(error), messages.ERROR)

    def publish_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        if request.method == "POST":
            try:
                publish_tender(tender=tender, actor=request.user)
            except DomainError as error:
                self._refused(request, error)
            else:
                return self._done(
                    request,
                    tender,
                    _("%(reference)s is published; its criteria, weights and method are frozen.")
                    % {"reference": tender.reference},
                )
        return self._render(
            request,
            tender,
            "confirm.html",
            title=_("Publish %(reference)s") % {"reference": tender.reference},
            happens=[
                _("Suppliers can read the tender and submit bids until %(deadline)s.")
                % {"deadline": formats.when_zoned(tender.submission_deadline)},
                _(
                    "The criteria, their weights and the evaluation method freeze. Before the "
                    "deadline they can change only by a reasoned amendment that suppliers see."
                ),
                _("Publishing is recorded in the audit trail with your name."),
            ],
            checks=panels.checks(tender),
            submit=_("Publish the tender"),
        )

    def cancel_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                cancel_tender(tender=tender, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                self._refused(request, error)
            else:
                return self._done(
                    request,
                    tender,
                    _("%(reference)s is cancelled.") % {"reference": tender.reference},
                )
        return self._render(
            request,
            tender,
            "confirm.html",
            title=_("Cancel %(reference)s") % {"reference": tender.reference},
            happens=[
                _("The tender ends without a contract. This cannot be undone."),
                _(
                    "Anbud sends nothing to suppliers: the tender shows as cancelled to them and "
                    "in open data. Tell those who have bid yourself. Sealed bids stay sealed."
                ),
                _("The reason is recorded with the tender and in the audit trail."),
            ],
            form=form,
            submit=_("Cancel the tender"),
            danger=True,
        )

    def copy_view(self, request, object_id):
        tender = self.get_object(request, unquote(object_id))
        if tender is None:
            raise Http404
        if not policy.may(request.user, Action.TENDER_COPY, tender):
            raise PermissionDenied
        form = CopyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                copy = copy_tender(
                    tender=tender,
                    actor=request.user,
                    reference=form.cleaned_data["reference"],
                    title=form.cleaned_data["title"] or None,
                    submission_deadline=form.cleaned_data["submission_deadline"],
                )
            except DomainError as error:
                self._refused(request, error)
                # The message says it; a field it names shows it too (the banner has the rest).
                named = [e for e in error.errors if e.get("field", "").strip("/") in form.fields]
                place_errors(form, named, "", tuple(form.fields))
            else:
                return self._done(
                    request,
                    copy,
                    _("%(reference)s is a new draft, copied from %(source)s.")
                    % {"reference": copy.reference, "source": tender.reference},
                )
        return self._render(
            request,
            tender,
            "confirm.html",
            title=_("Copy %(reference)s into a new draft") % {"reference": tender.reference},
            happens=[
                _(
                    "A new draft of your organisation gets this tender's details, evaluation "
                    "settings, lots and criteria (as this tender has them, with their weights)."
                ),
                _("Bids, documents, amendments and the history stay with this tender."),
                _("You can change everything in the draft before you publish it."),
            ],
            form=form,
            submit=_("Copy into a new draft"),
        )

    def open_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        confirming = tender.status == Tender.Status.OPENING
        if request.method == "POST":
            try:
                opened = open_tender(tender=tender, actor=request.user)
            except DomainError as error:
                self._refused(request, error)
            else:
                if opened.status == Tender.Status.OPENED:
                    count = opened.opening_protocol.get("bid_count", 0)
                    message = ngettext(
                        "The bids of %(reference)s are opened: %(count)s bid.",
                        "The bids of %(reference)s are opened: %(count)s bids.",
                        count,
                    ) % {"reference": tender.reference, "count": count}
                else:
                    message = _(
                        "The opening of %(reference)s is started; a second officer confirms it."
                    ) % {"reference": tender.reference}
                return self._done(request, tender, message)
        if confirming:
            happens = [
                _("%(name)s started the opening at %(when)s. As the second officer you confirm it.")
                % {
                    "name": tender.opening_requested_by,
                    "when": formats.when_zoned(tender.opening_requested_at),
                },
                _(
                    "The bids are unsealed and the opening protocol lists each bid with its price "
                    "and its SHA-256 fingerprint."
                ),
                _("Both officers are named in the protocol and in the audit trail."),
            ]
        else:
            happens = [
                _("The submission deadline %(deadline)s has passed; no bid can arrive any more.")
                % {"deadline": formats.when_zoned(tender.submission_deadline)},
                _(
                    "Your organisation opens bids with two officers (good practice, and Anbud's "
                    "default): you start the opening, and a second officer confirms it. Until "
                    "then the bids stay sealed."
                ),
            ]
        return self._render(
            request,
            tender,
            "confirm.html",
            title=(
                _("Confirm the opening of %(reference)s")
                if confirming
                else _("Open the bids of %(reference)s")
            )
            % {"reference": tender.reference},
            happens=happens,
            submit=_("Confirm the opening") if confirming else _("Start the opening"),
        )

    def amend_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
        form = AmendForm(request.POST or None, tender=tender, criteria=criteria)
        if request.method == "POST" and form.is_valid():
            try:
                amendment = amend_tender(
                    tender=tender,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    changes=form.changes(),
                )
            except DomainError as error:
                self._refused(request, error)
                form.place(error.errors)
            else:
                return self._done(
                    request,
                    tender,
                    _("Amendment %(number)s of %(reference)s is published.")
                    % {"number": amendment.number, "reference": tender.reference},
                )
        return self._render(
            request,
            tender,
            "confirm.html",
            title=_("Amend %(reference)s") % {"reference": tender.reference},
            happens=[
                _(
                    "Suppliers see the amendment, its reason and what changed; the previous "
                    "configuration is kept."
                ),
                _("The deadline can only move later. After the deadline nothing can change."),
                _("The tender must still pass its checks after the change."),
            ],
            form=form,
            submit=_("Publish the amendment"),
        )

    # --- criteria ------------------------------------------------------------------------

    def _draft_tender(self, request, object_id) -> Tender:
        tender = self._officer_tender(request, object_id)
        if not may_edit_draft(request.user, tender):
            self.message_user(
                request,
                _("The tender is %(status)s: its criteria are frozen.")
                % {"status": Tender.Status(tender.effective_status).label},
                messages.ERROR,
            )
            raise _Redirect(reverse("admin:procurement_tender_change", args=[quote(tender.pk)]))
        return tender

    def library_view(self, request, object_id):
        try:
            tender = self._draft_tender(request, object_id)
        except _Redirect as redirect:
            return redirect.response
        filters = LibraryFilterForm(request.GET or None)
        library = criteria_for(request.user).order_by("category", "code")
        if filters.is_valid():
            wanted = filters.cleaned_data
            if wanted.get("q"):
                q = wanted["q"]
                library = library.filter(
                    Q(code__icontains=q)
                    | Q(title__icontains=q)
                    | Q(title_en__icontains=q)
                    | Q(description__icontains=q)
                    | Q(description_en__icontains=q)
                )
            for name in ("category", "level", "kind"):
                if wanted.get(name):
                    library = library.filter(**{name: wanted[name]})
            if wanted.get("rule_type"):
                library = library.filter(rule__type=wanted["rule_type"])
        used = set(TenderCriterion.objects.filter(tender=tender).values_list("code", flat=True))
        kind = panels.amount_kind(tender)
        form = None
        if request.method == "POST":
            try:
                chosen = criteria_for(request.user).filter(pk=request.POST.get("criterion")).first()
            except (ValueError, ValidationError):
                chosen = None  # not an id at all
            form = AmountsForm(
                request.POST,
                tender=tender,
                prefix=str(getattr(chosen, "pk", "")),
                amount_kind=kind,
            )
            if chosen is None:
                self.message_user(request, _("Choose a criterion from the list."), messages.ERROR)
            elif form.is_valid():
                try:
                    attach_criterion(
                        tender=tender,
                        actor=request.user,
                        criterion=chosen,
                        lot=form.cleaned_data.get("lot"),
                        **form.amounts(),
                    )
                except DomainError as error:
                    self._refused(request, error)
                else:
                    self.message_user(
                        request,
                        _("%(code)s is added to the tender.") % {"code": chosen.code},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.get_full_path())
        page = Paginator(library, LIBRARY_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        rows = []
        for criterion in page.object_list:
            posted = form if form is not None and form.prefix == str(criterion.pk) else None
            rows.append(
                {
                    "criterion": criterion,
                    "title": panels.criterion_title(criterion),
                    "description": panels.criterion_description(criterion),
                    "rule": panels.rule_in_words(
                        criterion.rule, criterion.unit, criterion.option_labels
                    ),
                    "used": criterion.code in used,
                    "scored": criterion.kind == Kind.AWARD,
                    "form": posted
                    or AmountsForm(tender=tender, prefix=str(criterion.pk), amount_kind=kind),
                }
            )
        return self._render(
            request,
            tender,
            "library.html",
            title=_("Add criteria from the library to %(reference)s")
            % {"reference": tender.reference},
            filters=filters,
            rows=rows,
            page=page,
            query=query.urlencode(),
            amount_kind=panels.amount_kind(tender),
            weights=panels.weight_summary(tender),
            criteria_rows=panels.criteria_rows(tender),
        )

    def own_criterion_view(self, request, object_id):
        try:
            tender = self._draft_tender(request, object_id)
        except _Redirect as redirect:
            return redirect.response
        rule_type = request.GET.get("type", "")
        if rule_type not in RULE_TYPE_NAMES:
            return self._render(
                request,
                tender,
                "own_criterion.html",
                title=_("Own criterion for %(reference)s") % {"reference": tender.reference},
                rule_types=list(RULE_TYPE_NAMES.items()),
            )
        form = OwnCriterionForm(
            request.POST or None,
            tender=tender,
            rule_type=rule_type,
            amount_kind=panels.amount_kind(tender),
        )
        if request.method == "POST" and form.is_valid():
            try:
                tc = attach_criterion(
                    tender=tender,
                    actor=request.user,
                    definition=form.definition(),
                    lot=form.cleaned_data.get("lot"),
                    **form.amounts(),
                )
            except DomainError as error:
                self._refused(request, error)
                form.place(error.errors)
            else:
                return self._done(
                    request, tender, _("%(code)s is added to the tender.") % {"code": tc.code}
                )
        return self._render(
            request,
            tender,
            "own_criterion.html",
            title=_("Own criterion for %(reference)s: %(type)s")
            % {"reference": tender.reference, "type": RULE_TYPE_NAMES[rule_type]},
            form=form,
            rule_type=rule_type,
            amount_kind=panels.amount_kind(tender),
        )

    def simulate_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
        form = SimulationForm(request.POST or None, tender=tender, criteria=criteria)
        result = None
        if request.method == "POST" and form.is_valid():
            bids, scores = form.service_input()
            if not bids:
                form.add_error(None, _("Give at least one bid a price."))
            else:
                try:
                    simulation = simulate(
                        tender=tender, actor=request.user, bids=bids, scores=scores
                    )
                except DomainError as error:
                    self._refused(request, error)
                else:
                    result = panels.simulation_result(simulation)
        return self._render(
            request,
            tender,
            "simulate.html",
            title=_("Simulate %(reference)s") % {"reference": tender.reference},
            form=form,
            criteria=[c for c in criteria if c.kind != Kind.CONTRACT_CONDITION],
            result=result,
        )

    def documents_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        form = DocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                document = upload_tender_document(
                    tender=tender,
                    actor=request.user,
                    uploaded=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                )
            except DomainError as error:
                self._refused(request, error)
            else:
                return self._done(
                    request,
                    tender,
                    _("%(name)s (version %(version)s) is uploaded; SHA-256 %(sha)s.")
                    % {
                        "name": document.filename,
                        "version": document.version,
                        "sha": document.sha256,
                    },
                )
        return self._render(
            request,
            tender,
            "documents.html",
            title=_("Documents of %(reference)s") % {"reference": tender.reference},
            form=form,
            documents=TenderDocument.objects.filter(tender=tender).order_by("filename", "version"),
            may_upload=tender.status in OPEN_FOR_DOCUMENTS,
        )

    # Lifecycle actions on the list, for several tenders at once.

    def _run(self, request, queryset, verb, service, **kwargs):
        for tender in queryset:
            try:
                result = service(tender=tender, actor=request.user, **kwargs)
            except DomainError as error:
                self.message_user(request, f"{tender.reference}: {describe(error)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(reference)s: %(verb)s; the tender is now %(status)s.")
                    % {
                        "reference": tender.reference,
                        "verb": verb,
                        "status": str(result.get_status_display()).lower(),
                    },
                    messages.SUCCESS,
                )

    @admin.action(
        description=gettext_lazy("Publish (freezes criteria, weights and method)"),
        permissions=["lifecycle"],
        location=[ActionLocation.CHANGE_LIST],
    )
    def publish(self, request, queryset):
        self._run(request, queryset, _("published"), publish_tender)

    @admin.action(
        description=gettext_lazy("Open bids (after the deadline; a second officer confirms)"),
        permissions=["lifecycle"],
        location=[ActionLocation.CHANGE_LIST],
    )
    def open_bids(self, request, queryset):
        self._run(request, queryset, _("opening recorded"), open_tender)

    @admin.action(
        description=gettext_lazy("Cancel (with a reason)"),
        permissions=["lifecycle"],
        location=[ActionLocation.CHANGE_LIST],
    )
    def cancel(self, request, queryset):
        reason = request.POST.get("cancel_reason", "").strip()
        if not reason:
            if "cancel_reason" in request.POST:
                self.message_user(request, _("Give the reason for cancelling."), messages.ERROR)
            # Ask for the reason, then post the same action again with it.
            context = {
                **self.admin_site.each_context(request),
                "title": _("Cancel tenders"),
                "subtitle": None,
                "opts": self.opts,
                "tenders": list(queryset),
                "post_items": [
                    (key, value)
                    for key in request.POST
                    if key not in ("csrfmiddlewaretoken", "cancel_reason")
                    for value in request.POST.getlist(key)
                ],
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, "admin/procurement/tender/cancel.html", context)
        self._run(request, queryset, _("cancelled"), cancel_tender, reason=reason)
        return None


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.response = HttpResponseRedirect(url)
