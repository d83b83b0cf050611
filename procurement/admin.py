"""The admin: the procurement officers' screens, held to the same rules as the API.

- What a user sees comes from ``procurement.selectors``: a member sees their organisation's
  objects, and bids stay sealed until the opening, for the platform operator too. An object
  outside that scope is a 404, as in the API.
- Every change goes through a service (``procurement.services``, ``criteria.services``), so
  the admin is audited exactly like the API; a domain error becomes a message on the form.
  A model that no service changes is read-only here, and nothing of legal weight (tenders,
  bids, documents, audit events) can be deleted.
- Permissions follow the member's role, not Django permission rows: a staff officer may do
  what an officer may do through the API, nothing more.
- The history page of an object lists its audit events, newest first.
- Nothing here sees more of the audit trail than the objects it may see.
"""

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from procurement import policy, projection
from procurement.errors import DomainError
from procurement.formfields import LocalDateTimeField, LocalDecimalField
from procurement.models import (
    ApiToken,
    Bid,
    BidDocument,
    BidResponse,
    Organization,
    Role,
    TenderDocument,
    User,
)
from procurement.policy import Action
from procurement.selectors import (
    audit_events_for,
    bids_for,
    members_for,
    organizations_for,
    tenders_for,
)
from procurement.services.documents import OPEN_FOR_DOCUMENTS, upload_tender_document
from procurement.services.opening import set_opening_quorum
from procurement.services.organizations import (
    ORG_FIELDS,
    add_member,
    create_organization,
    update_organization,
)
from procurement.services.tokens import (
    issue_integration_token,
    revoke_integration_token,
    revoke_token,
)

LOT_FIELDS = ("title", "description", "estimated_value", "minimum_turnover")
HISTORY_LIMIT = 500
BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]


# --- who may do what -------------------------------------------------------------------------


# Every "may" below asks the policy (procurement.policy); the admin keeps no role lists.
is_member = policy.is_member


def may_use_admin(user) -> bool:
    """Staff (checked by the admin site) who are operators or members of an organisation."""
    return bool(user.is_active and (user.is_superuser or is_member(user)))


def describe(error: DomainError) -> str:
    """The error as one message: its sentence, then each field's problem (a sentence of its
    own, so it starts with a capital)."""
    details = [item.get("message", "") for item in error.errors if item.get("message")]
    if not details:
        return error.message
    joined = "; ".join(details)
    return f"{error.message} {joined[:1].upper()}{joined[1:]}".strip()


def adopt(target, saved) -> None:
    """Make the admin's unsaved instance the object a service saved (for logs and redirects)."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


# --- base classes ----------------------------------------------------------------------------


# Inputs read as the page writes them: decimals ("0,5" in Swedish, never changed silently),
# dates and times in local time ("1 mars 2027", "12.00") with the admin's picker.
LOCAL_INPUTS: Mapping[type[models.Field], Mapping[str, Any]] = {
    models.DecimalField: {"form_class": LocalDecimalField},
    models.DateTimeField: {"form_class": LocalDateTimeField},
}


class ScopedAdmin(admin.ModelAdmin):
    """Read-only by default; the queryset comes from a selector; out of scope is a 404."""

    formfield_overrides = LOCAL_INPUTS

    def scoped_queryset(self, request) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self, request):
        qs = self.scoped_queryset(request)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Never reveal that an object of another organisation (or a sealed bid) exists.
            raise Http404("No such object.")
        return obj

    def has_module_permission(self, request):
        return may_use_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions


class ServiceFormsMixin:
    """Saves go through services; a DomainError re-renders the form with the error on it.

    The whole POST runs in one transaction (the admin's), so a service that refuses leaves
    nothing half-done: the form is shown again with the user's input, the error as a message
    and, where the error names a field, on that field.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            if request.method != "POST" or getattr(request, "_domain_error", None):
                raise
            self.message_user(request, describe(error), messages.ERROR)
            request._domain_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "_domain_error", None)
        if error is None:
            return form_class

        class FormWithDomainError(form_class):
            def clean(self):
                cleaned = super().clean()
                placed = False
                for item in error.errors:
                    name = item.get("field", "").lstrip("/").split("/")[0]
                    if name in self.fields and name not in self.errors:
                        self.add_error(name, item.get("message") or error.message)
                        placed = True
                if not placed:
                    self.add_error(None, error.message)
                return cleaned

        return FormWithDomainError

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, describe(error), messages.ERROR)
            return HttpResponseRedirect(
                reverse(admin_urlname(self.opts, "change"), args=[quote(unquote(object_id))])
            )


def events_about_visible_object(user, events: QuerySet) -> QuerySet:
    """Audit events about an object the user may already see (the admin checked the scope).

    The buyer side and the operator read the whole story of such an object; a supplier only
    what its own organisation did, never the buyer's internal trail.
    """
    if user.role == Role.BIDDER:
        return events.filter(organization_id=user.organization_id)
    # Within the user's own chain, the API's rule (evaluators see their own actions only:
    # blind scoring); other chains' events about this visible object (a supplier's own record
    # of an opened bid) stay readable, as before.

    return events.filter(
        Q(pk__in=audit_events_for(user).values("pk")) | ~Q(organization_id=user.organization_id)
    )


class AuditHistoryMixin:
    """The history page lists the object's audit events (newest first), not LogEntry rows."""

    def history_events(self, request, obj) -> QuerySet:
        events = AuditEvent.objects.filter(object_id=str(obj.pk))
        return events_about_visible_object(request.user, events)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        events = list(
            self.history_events(request, obj).order_by("-created_at", "-sequence")[:HISTORY_LIMIT]
        )
        for event in events:
            event.data_json = json.dumps(event.data, indent=2, ensure_ascii=False, sort_keys=True)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Audit history: %(object)s") % {"object": obj},
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "events": events,
            "limit": HISTORY_LIMIT,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/audit_history.html", context)


# --- organisations and members ---------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(AuditHistoryMixin, ServiceFormsMixin, ScopedAdmin):
    list_display = ("name", "kind", "org_number", "country", "sme_class", "opening_quorum")
    list_filter = ("kind",)
    search_fields = ("name", "org_number")
    ordering = ("name",)

    def scoped_queryset(self, request):
        return organizations_for(request.user)

    def has_add_permission(self, request):
        return policy.may(request.user, Action.ORGANIZATION_CREATE)

    def has_change_permission(self, request, obj=None):
        return policy.may(request.user, Action.ORGANIZATION_CHANGE, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ORG_FIELDS
        return (*ORG_FIELDS, "opening_quorum", "sme_class", "created_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ["kind", "sme_class", "created_at"]
        if not policy.may(request.user, Action.QUORUM_SET, obj):
            readonly.append("opening_quorum")
        return readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = create_organization(
                actor=request.user, **{name: data[name] for name in ORG_FIELDS if name in data}
            )
            adopt(obj, saved)
            return
        changed = set(form.changed_data)
        fresh = Organization.objects.get(pk=obj.pk)
        if "opening_quorum" in changed:
            fresh = set_opening_quorum(
                organization=fresh, actor=request.user, quorum=data["opening_quorum"]
            )
        changes = {name: data[name] for name in changed if name in ORG_FIELDS}
        if changes:
            fresh = update_organization(organization=fresh, actor=request.user, changes=changes)
        adopt(obj, fresh)


class MemberCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "organization", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].required = True
        self.fields["role"].required = True


@admin.register(User)
class MemberAdmin(AuditHistoryMixin, ServiceFormsMixin, ScopedAdmin, UserAdmin):
    """Members are added by ``add_member``; no service changes a member yet, so the change
    page is read-only (roles, staff flags and passwords are set outside the admin)."""

    add_form = MemberCreationForm
    list_display = ("username", "email", "organization", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    fieldsets = (
        # django-stubs types UserAdmin.fieldsets as ModelAdmin's Optional; Django sets it.
        *UserAdmin.fieldsets,  # type: ignore[misc]  # always set by Django, Optional in the stubs
        ("Membership", {"fields": ("organization", "role")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "organization", "role", "password1", "password2"),
            },
        ),
    )

    def scoped_queryset(self, request):
        user = request.user
        if user.is_platform_operator:
            return User.objects.select_related("organization")
        if is_member(user):
            return members_for(user, user.organization).select_related("organization")
        return User.objects.none()

    def _may_add_members(self, user) -> bool:
        return policy.may(user, Action.MEMBER_ADD)

    def has_add_permission(self, request):
        return self._may_add_members(request.user)

    def has_change_permission(self, request, obj=None):
        # UserAdmin's add view asks for change permission without an object; no member
        # itself can be changed here until an audited service for it exists.
        return obj is None and self._may_add_members(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            user = request.user
            kwargs["queryset"] = (
                Organization.objects.all()
                if user.is_superuser
                else Organization.objects.filter(pk=user.organization_id)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:  # unreachable: the change page is read-only
            raise PermissionDenied
        data = form.cleaned_data
        saved = add_member(
            organization=data["organization"],
            actor=request.user,
            username=data["username"],
            password=data["password1"],
            email=data.get("email", ""),
            role=data["role"],
        )
        adopt(obj, saved)


# --- tenders ---------------------------------------------------------------------------------


def may_edit_draft(user, tender) -> bool:
    return tender is not None and policy.may_now(user, Action.TENDER_CHANGE, tender)


class TenderDocumentForm(forms.ModelForm):
    class Meta:
        model = TenderDocument
        fields = ("tender", "kind", "file")


@admin.register(TenderDocument)
class TenderDocumentAdmin(AuditHistoryMixin, ServiceFormsMixin, ScopedAdmin):
    """Uploaded through upload_tender_document (checked, hashed, versioned); never changed."""

    form = TenderDocumentForm
    list_display = ("filename", "version", "kind", "tender", "size", "media_type", "uploaded_at")
    list_filter = ("kind",)
    search_fields = ("filename", "tender__reference", "sha256")
    ordering = ("tender", "filename", "version")
    shown_fields = (
        "tender",
        "kind",
        "filename",
        "version",
        "sha256",
        "size",
        "media_type",
        "uploaded_by",
        "uploaded_at",
    )

    def scoped_queryset(self, request):
        return TenderDocument.objects.filter(
            tender__in=tenders_for(request.user).values("pk")
        ).select_related("tender", "uploaded_by")

    def get_fields(self, request, obj=None):
        return ("tender", "kind", "file") if obj is None else self.shown_fields

    def has_add_permission(self, request):
        return policy.may(request.user, Action.DOCUMENT_UPLOAD)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tender":
            kwargs["queryset"] = tenders_for(request.user).filter(status__in=OPEN_FOR_DOCUMENTS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        saved = upload_tender_document(
            tender=form.cleaned_data["tender"],
            actor=request.user,
            uploaded=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
        )
        adopt(obj, saved)


# --- bids: sealed until the opening, read-only always ----------------------------------------


class BidResponseInline(admin.TabularInline):
    model = BidResponse
    extra = 0
    can_delete = False
    fields = ("tender_criterion", "value")
    readonly_fields = ("tender_criterion", "value")

    def has_view_permission(self, request, obj=None):
        return may_use_admin(request.user)

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(AuditHistoryMixin, ScopedAdmin):
    """Bids change only through the supplier's own services; buyers read them once opened."""

    list_display = ("id", "tender", "lot", "supplier", "status", "price_amount", "submitted_at")
    list_filter = ("status",)
    search_fields = ("supplier__name", "tender__reference")
    ordering = ("-created_at",)
    inlines = [BidResponseInline]
    fields = (
        "tender",
        "lot",
        "supplier",
        "status",
        "price_amount",
        "cost",
        "submitted_at",
        "withdrawn_at",
        "sha256",
        "receipt",
        "supersedes",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    )

    def get_list_display(self, request):
        return tuple("price" if f == "price_amount" else f for f in self.list_display)

    def get_queryset(self, request):
        # What the viewer sees goes with the rows (the admin object is shared by every request
        # and thread, so it keeps no viewer): the price column shows the projection's price.
        return projection.with_seen_prices(request.user, super().get_queryset(request))

    @admin.display(description=_("price"), ordering=None)
    def price(self, obj):
        return _("(hidden from evaluators)") if obj.seen_price is None else obj.seen_price

    def get_sortable_by(self, request):
        # Sorting by price would reveal it to an evaluator; the projection decides per tender,
        # a list across tenders is not sorted by price at all for evaluators.
        fields = self.get_list_display(request)
        if projection.may_order_by_price(request.user, None):
            return fields
        return [f for f in fields if f != "price"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not projection.bid_for(request.user, obj).prices_seen:
            return tuple(f for f in fields if f not in projection.PRICED_BID_FIELDS)
        return fields

    def scoped_queryset(self, request):
        # selectors.bids_for holds the seal: nothing of an unopened tender, for anyone on
        # the buyer side and for the platform operator (who belongs to no organisation).
        return bids_for(request.user).select_related("tender", "lot", "supplier")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The workbench's bid page reads better: answers by criterion, in words, documents.
        bid = self.get_object(request, unquote(object_id))
        if bid is None:  # not there, or not this user's to read: the admin says so as ever
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(
            reverse("admin:procurement_tender_bid", args=[quote(bid.tender_id), bid.pk])
        )


@admin.register(BidDocument)
class BidDocumentAdmin(AuditHistoryMixin, ScopedAdmin):
    list_display = ("filename", "version", "kind", "bid", "size", "media_type", "uploaded_at")
    list_filter = ("kind",)
    search_fields = ("filename", "sha256")
    ordering = ("bid", "filename", "version")
    fields = (
        "bid",
        "kind",
        "filename",
        "version",
        "sha256",
        "size",
        "media_type",
        "uploaded_by",
        "uploaded_at",
    )

    def scoped_queryset(self, request):
        qs = BidDocument.objects.filter(bid__in=bids_for(request.user).values("pk")).select_related(
            "bid", "uploaded_by"
        )
        return projection.bid_documents_for(request.user, qs)


# --- API tokens: integration tokens created and revoked by an admin --------------------------


class IntegrationTokenForm(forms.ModelForm):
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        initial=365,
        label=_("Expires in days"),
        help_text=_("Leave empty for a token that lives until it is revoked."),
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditHistoryMixin, ServiceFormsMixin, ScopedAdmin):
    """Login tokens and named integration tokens; only their digests are stored.

    A platform operator or an organisation's admin creates an integration token for a member
    (a system account); the token is shown once, on the page after saving. Deleting a token
    revokes it at once. Both are audited.
    """

    form = IntegrationTokenForm
    list_display = ("__str__", "kind", "user", "created", "expiry", "client_address")
    list_filter = ("kind",)
    search_fields = ("name", "user__username")
    ordering = ("-created",)
    shown_fields = ("kind", "name", "user", "created", "expiry", "client_address", "created_by")

    def _manages_tokens(self, user) -> bool:
        return policy.may(user, Action.TOKENS_MANAGE)

    def scoped_queryset(self, request):
        user = request.user
        tokens = ApiToken.objects.select_related("user", "created_by")
        if user.is_platform_operator:
            return tokens
        if self._manages_tokens(user):
            return tokens.filter(user__organization_id=user.organization_id)
        return tokens.filter(user=user)

    def get_fields(self, request, obj=None):
        return ("user", "name", "expires_in_days") if obj is None else self.shown_fields

    def get_readonly_fields(self, request, obj=None):
        return self.shown_fields if obj is not None else ()

    def has_add_permission(self, request):
        return self._manages_tokens(request.user)

    def has_delete_permission(self, request, obj=None):
        return self._manages_tokens(request.user) or (
            obj is not None and obj.user_id == request.user.pk
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_platform_operator:
            kwargs["queryset"] = User.objects.filter(organization_id=request.user.organization_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        saved, raw = issue_integration_token(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            expires_in_days=form.cleaned_data.get("expires_in_days"),
        )
        adopt(obj, saved)
        self.message_user(
            request,
            _(
                "The token for %(name)s: %(token)s (copy it now; it is stored only as a hash "
                "and cannot be shown again)."
            )
            % {"name": saved.name, "token": raw},
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        if obj.kind == ApiToken.Kind.INTEGRATION or obj.user_id != request.user.pk:
            revoke_integration_token(actor=request.user, token=obj)
        else:
            revoke_token(token=obj, actor=request.user)
