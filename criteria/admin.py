"""Criteria in the admin: the library and the criteria applied to tenders, through services.

The shared library is read-only (copy a criterion to adapt it); criteria on a tender change
only while it is a draft; amendments are read-only records. See procurement/admin.py for the
rules every ModelAdmin here follows.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from criteria import rules
from criteria.models import Criterion, TenderAmendment, TenderCriterion
from criteria.selectors import criteria_for
from criteria.services import (
    LIBRARY_FIELDS as ALL_LIBRARY_FIELDS,
)
from criteria.services import (
    attach_criterion,
    copy_criterion,
    create_criterion,
    delete_criterion,
    detach_criterion,
    update_criterion,
    update_tender_criterion,
)
from procurement import policy
from procurement.admin import (
    AuditHistoryMixin,
    ScopedAdmin,
    ServiceFormsMixin,
    adopt,
    describe,
)
from procurement.errors import DomainError
from procurement.models import Lot, Tender
from procurement.policy import Action
from procurement.selectors import tenders_for

AMOUNT_FIELDS = ("weight", "value", "percent")

# The library's fields as the admin's form edits them; the options' words come with the
# shared library and the API (a JSON field is no form for a person).
LIBRARY_FIELDS = tuple(name for name in ALL_LIBRARY_FIELDS if name != "option_labels")
# Read only: the rule in words, the English texts marked as English.
_SHOWN_AS = {
    "rule": "rule_words",
    "ocds": "ocds_words",
    "title_en": "title_en_text",
    "description_en": "description_en_text",
    "reason_en": "reason_en_text",
    "verification_en": "verification_en_text",
}
READ_ONLY_FIELDS = tuple(_SHOWN_AS.get(name, name) for name in LIBRARY_FIELDS)


def english(text: str):
    return format_html('<span lang="en">{}</span>', text) if text else "—"


rule_in_words = rules.rule_in_words


class CriterionForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Criterion
        fields = LIBRARY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "expected_version" in self.fields:
            self.fields["expected_version"].initial = self.instance.version


@admin.register(Criterion)
class CriterionAdmin(AuditHistoryMixin, ServiceFormsMixin, ScopedAdmin):
    form = CriterionForm
    list_display = ("code", "title", "category", "level", "kind", "library", "version")
    list_filter = ("category", "level", "kind")
    search_fields = ("code", "title", "title_en")
    ordering = ("code",)
    actions = ["copy_to_library"]
    state_fields = (
        "organization",
        "version",
        "copied_from",
        "copied_from_version",
        "created_at",
        "updated_at",
    )

    def scoped_queryset(self, request):
        return criteria_for(request.user).select_related("organization")

    @admin.display(description=_("library"))
    def library(self, obj):
        return _("shared") if obj.organization_id is None else obj.organization.name

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": LIBRARY_FIELDS}),)
        editable = self.has_change_permission(request, obj)
        main = (*LIBRARY_FIELDS, "expected_version") if editable else READ_ONLY_FIELDS
        return ((None, {"fields": main}), (_("State"), {"fields": self.state_fields}))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if self.has_change_permission(request, obj):
            return self.state_fields
        return (*READ_ONLY_FIELDS, *self.state_fields)

    # Read only, a criterion is shown in words: its rule, its options by their names, and
    # its English texts marked as English (so that a reader, and a screen reader, knows).
    @admin.display(description=_("rule"))
    def rule_words(self, obj):
        return rule_in_words(obj.rule, obj.unit, obj.option_labels)

    @admin.display(description=_("open data (OCDS)"))
    def ocds_words(self, obj):
        return rules.ocds_in_words(obj.ocds)

    @admin.display(description=_("title en"))
    def title_en_text(self, obj):
        return english(obj.title_en)

    @admin.display(description=_("description en"))
    def description_en_text(self, obj):
        return english(obj.description_en)

    @admin.display(description=_("reason en"))
    def reason_en_text(self, obj):
        return english(obj.reason_en)

    @admin.display(description=_("verification en"))
    def verification_en_text(self, obj):
        return english(obj.verification_en)

    def _may_change(self, user, obj) -> bool:
        # The shared library (no organisation) is read-only for everyone: the policy says so.
        return policy.may(user, Action.CRITERION_CHANGE, obj)

    def has_add_permission(self, request):
        return policy.may(request.user, Action.CRITERION_ADD)

    def has_change_permission(self, request, obj=None):
        return self._may_change(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and self._may_change(request.user, obj)

    def has_copy_permission(self, request):
        return policy.may(request.user, Action.CRITERION_COPY)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = update_criterion(
                criterion=obj,
                actor=request.user,
                changes={name: data[name] for name in form.changed_data if name in LIBRARY_FIELDS},
                expected_version=data.get("expected_version"),
            )
        else:
            saved = create_criterion(
                actor=request.user, **{name: data[name] for name in LIBRARY_FIELDS if name in data}
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        delete_criterion(criterion=obj, actor=request.user)

    @admin.action(
        description=_("Copy to my organisation's library"),
        permissions=["copy"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def copy_to_library(self, request, queryset):
        for criterion in queryset:
            try:
                copy = copy_criterion(criterion=criterion, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{criterion.code}: {describe(error)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(code)s: copied as %(copy)s.") % {"code": criterion.code, "copy": copy},
                    messages.SUCCESS,
                )


class TenderCriterionForm(forms.ModelForm):
    class Meta:
        model = TenderCriterion
        fields = ("tender", "lot", "criterion", *AMOUNT_FIELDS)


@admin.register(TenderCriterion)
class TenderCriterionAdmin(AuditHistoryMixin, ServiceFormsMixin, ScopedAdmin):
    """Attached from the library to a draft tender (attach_criterion): a frozen copy of the
    text and rule; while the tender is a draft its weight, value, percent and lot can change."""

    form = TenderCriterionForm
    list_display = ("code", "title", "tender", "lot", "kind", "weight", "value", "percent")
    list_filter = ("kind", "category")
    search_fields = ("code", "title", "tender__reference")
    ordering = ("tender", "position", "created_at")
    frozen_fields = (
        "tender",
        "code",
        "title",
        "category",
        "level",
        "kind",
        "rule",
        "unit",
        "source",
        "profile_field",
        "criterion",
        "criterion_version",
        "position",
        "created_by",
        "created_at",
    )

    def scoped_queryset(self, request):
        return TenderCriterion.objects.filter(
            tender__in=tenders_for(request.user).values("pk")
        ).select_related("tender", "lot", "criterion")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("tender", "lot", "criterion", *AMOUNT_FIELDS)
        return (*self.frozen_fields, "lot", *AMOUNT_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.frozen_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "tender":
            kwargs["queryset"] = tenders_for(user).filter(status=Tender.Status.DRAFT)
        elif db_field.name == "lot":
            kwargs["queryset"] = Lot.objects.filter(
                tender__in=tenders_for(user).filter(status=Tender.Status.DRAFT).values("pk")
            ).select_related("tender")
        elif db_field.name == "criterion":
            kwargs["queryset"] = criteria_for(user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return policy.may(request.user, Action.CRITERIA_ATTACH)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return policy.may(request.user, Action.CRITERIA_CHANGE)
        return policy.may_now(request.user, Action.CRITERIA_CHANGE, obj.tender)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and policy.may_now(request.user, Action.CRITERIA_REMOVE, obj.tender)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            stored = TenderCriterion.objects.select_related("tender").get(pk=obj.pk)
            changed = [name for name in form.changed_data if name in ("lot", *AMOUNT_FIELDS)]
            saved = update_tender_criterion(
                tc=stored, actor=request.user, changes={name: data[name] for name in changed}
            )
        else:
            saved = attach_criterion(
                tender=data["tender"],
                actor=request.user,
                criterion=data.get("criterion"),
                lot=data.get("lot"),
                **{name: data.get(name) for name in AMOUNT_FIELDS},
            )
        adopt(obj, saved)

    def delete_model(self, request, obj):
        detach_criterion(tc=obj, actor=request.user)


@admin.register(TenderAmendment)
class TenderAmendmentAdmin(AuditHistoryMixin, ScopedAdmin):
    """Made by the amend service (a reasoned change of a published tender); a record only."""

    list_display = ("tender", "number", "reason", "created_by", "created_at")
    search_fields = ("tender__reference", "reason")
    ordering = ("tender", "number")
    fields = (
        "tender",
        "number",
        "reason",
        "changes",
        "configuration_before",
        "configuration_after",
        "configuration_sha256",
        "created_by",
        "created_at",
    )

    def scoped_queryset(self, request):
        return TenderAmendment.objects.filter(
            tender__in=tenders_for(request.user).values("pk")
        ).select_related("tender", "created_by")
