"""The audit trail in the admin: read-only, scoped to the viewer's organisation.

Here in the workbench rather than in audit: which events a user may read is
``procurement.selectors``' rule, and audit sits below procurement.

Nobody adds, changes or deletes an event here: the chain is append-only and written by
``audit.services.record`` inside the service that made the change.
"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import exports
from audit.models import AuditEvent, ChainHead
from audit.selectors import chains_for, verify_chains
from audit.services import record_export
from procurement import policy
from procurement.admin import ScopedAdmin
from procurement.models import BUYER_ROLES, Tender
from procurement.policy import Action
from procurement.selectors import audit_events_for, audit_trail_for_export, tenders_for
from workbench import formats, words


def _is_platform_operator(user) -> bool:
    return bool(getattr(user, "is_platform_operator", False))  # an AnonymousUser has none


def _is_buyer_member(user) -> bool:
    return bool(user.organization_id and user.role in BUYER_ROLES)


def may_read_audit_trail(user) -> bool:
    """The operator and the buyer side; suppliers read their receipts, not the trail."""
    return bool(user.is_active and (_is_platform_operator(user) or _is_buyer_member(user)))


class ReadOnlyAuditAdmin(ScopedAdmin):
    """The trail is read-only and scoped (``ScopedAdmin``); the audit pages are for the
    operator and the buyer side."""

    actions = None

    def has_module_permission(self, request):
        return may_read_audit_trail(request.user)

    def has_view_permission(self, request, obj=None):
        return may_read_audit_trail(request.user)


class _WordsFilter(admin.SimpleListFilter):
    """A list filter whose choices are the codes in the trail, each shown in words."""

    field = ""
    words: Any = None

    def lookups(self, request, model_admin):
        codes = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list(self.field, flat=True)
            .distinct()
        )
        return sorted(((c, self.words(c)) for c in codes if c), key=lambda item: item[1])

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class ActionFilter(_WordsFilter):
    title = gettext_lazy("what happened")
    parameter_name = "action"
    field = "action"
    words = staticmethod(words.action)


class ObjectTypeFilter(_WordsFilter):
    title = gettext_lazy("object")
    parameter_name = "object_type"
    field = "object_type"
    words = staticmethod(words.object_type)


class RoleFilter(_WordsFilter):
    title = gettext_lazy("role")
    parameter_name = "actor_role"
    field = "actor_role"
    words = staticmethod(words.role)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAuditAdmin):
    # Read left to right as an auditor asks: when, in which tender, what happened to what, who
    # did it; the chain's sequence last.
    list_display = (
        "when_listed",
        "tender_reference",
        "action_words",
        "object_words",
        "actor_words",
        "role_words",
        "sequence",
    )
    list_filter = (ActionFilter, ObjectTypeFilter, RoleFilter)
    # A tender's reference and an actor's name find their events (besides the codes and ids).
    search_fields = (
        "action",
        "actor_username",
        "actor__first_name",
        "actor__last_name",
        "object_type",
        "object_id",
        "request_id",
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-sequence")
    list_per_page = 100
    # The detail page in words; the codes stay in the API and the exports, where systems read
    # them (the chain's link fields are shown as stored: they are what a verifier recomputes).
    fields = (
        "when",
        "chain_words",
        "sequence",
        "actor_words",
        "role_words",
        "action_words",
        "object_words",
        "object_id",
        "tender_reference",
        "data_words",
        "request_id",
        "client_address",
        "prev_hash",
        "hash",
    )

    change_list_template = "admin/audit/auditevent/change_list.html"
    # Who may check the chain and who may take the trail away, as in the API.
    verify_action = Action.AUDIT_VERIFY
    export_action = Action.AUDIT_EXPORT

    def scoped_queryset(self, request):
        reference = Tender.objects.filter(pk=OuterRef("tender_id")).values("reference")[:1]
        return (
            audit_events_for(request.user)
            .select_related("actor")
            .annotate(tender_reference=Subquery(reference))
        )

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # A tender's reference (NLL-2026-0031) finds every event about that tender.
            tenders = tenders_for(request.user).filter(reference__icontains=term)
            found = found | queryset.filter(tender_id__in=tenders.values("pk"))
        return found, duplicates

    @admin.display(description=gettext_lazy("time"), ordering="created_at")
    def when(self, event):
        return formats.when_zoned(event.created_at)

    @admin.display(description=gettext_lazy("time"), ordering="created_at")
    def when_listed(self, event):
        return formats.when_short(event.created_at)

    @admin.display(description=gettext_lazy("actor"), ordering="actor_username")
    def actor_words(self, event):
        return words.actor(event.actor_username)

    @admin.display(description=gettext_lazy("role"), ordering="actor_role")
    def role_words(self, event):
        return words.role(event.actor_role) if event.actor_role else formats.DASH

    @admin.display(description=gettext_lazy("what happened"), ordering="action")
    def action_words(self, event):
        return words.action(event.action)

    @admin.display(description=gettext_lazy("object"), ordering="object_type")
    def object_words(self, event):
        return words.object_type(event.object_type)

    @admin.display(description=gettext_lazy("chain"))
    def chain_words(self, event):
        return words.chain(event.chain)

    @admin.display(description=gettext_lazy("tender"))
    def tender_reference(self, event):
        return getattr(event, "tender_reference", None) or formats.DASH

    @admin.display(description=gettext_lazy("details"))
    def data_words(self, event):
        return format_html_join(
            "", "<div>{}{}</div>", ((f"{k}: " if k else "", v) for k, v in words.data(event.data))
        )

    def _may(self, user, action) -> bool:
        return policy.may(user, action)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, object_id)
        if event is not None:
            extra_context = {
                **(extra_context or {}),
                "title": _("Event %(sequence)s: %(what)s")
                % {"sequence": event.sequence, "what": words.action(event.action)},
                "subtitle": None,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # An event is the history; its page says everything there is.
        return HttpResponseRedirect(
            reverse("admin:audit_auditevent_change", args=[quote(unquote(object_id))])
        )

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        extra_context = {
            **(extra_context or {}),
            "may_verify": self._may(request.user, self.verify_action),
            "may_export": self._may(request.user, self.export_action),
            "export_links": [
                (
                    label,
                    f"{reverse('admin:audit_auditevent_export')}?format={name}"
                    + (f"&{query}" if query else ""),
                )
                for name, label in (("csv", "CSV"), ("jsonl", "JSONL"), ("xlsx", "XLSX"))
            ],
            "verify_url": reverse("admin:audit_auditevent_verify"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "verify/",
                self.admin_site.admin_view(self.verify_view),
                name="audit_auditevent_verify",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="audit_auditevent_export",
            ),
            *super().get_urls(),
        ]

    def verify_view(self, request):
        """Walk the viewer's chain(s) and say whether every link holds."""

        if not self._may(request.user, self.verify_action):
            raise PermissionDenied
        result = verify_chains(chains_for(request.user))
        if result["valid"]:
            self.message_user(
                request,
                _("The chain is intact: %(count)s events checked, every hash and link holds.")
                % {"count": result["events_checked"]},
                messages.SUCCESS,
            )
        else:
            broken = result.get("first_invalid") or {}
            self.message_user(
                request,
                _("The chain is BROKEN at sequence %(sequence)s of chain %(chain)s: %(reason)s.")
                % {
                    "sequence": broken.get("sequence"),
                    "chain": broken.get("chain"),
                    "reason": broken.get("reason"),
                },
                messages.ERROR,
            )
        return HttpResponseRedirect(reverse("admin:audit_auditevent_changelist"))

    def export_view(self, request):
        """The list as it is filtered, as CSV, JSONL or XLSX; the export is itself audited.

        In the workbench's language (LocaleMiddleware's, Swedish for our officers): XLSX column
        titles, and the CSV separator (``;`` in Swedish, as Excel there expects; ``,``
        otherwise) unless ``?delimiter=`` (``exports.DELIMITERS``) names one."""

        if not self._may(request.user, self.export_action):
            raise PermissionDenied
        params = request.GET.copy()
        file_format = params.pop("format", [""])[0]
        delimiter = params.pop("delimiter", [""])[0] or None
        if file_format not in exports.FORMATS or (
            delimiter is not None and delimiter not in exports.DELIMITERS
        ):
            raise Http404
        request.GET = params
        filters = {key: value for key, value in params.items() if value}
        sealed: frozenset[str] = frozenset()
        if filters:
            changelist = self.get_changelist_instance(request)
            queryset = changelist.get_queryset(request).order_by("chain", "sequence")
        else:
            # The whole trail: the operator's holds every chain whole, sealed events redacted
            # with their hashes, so that it verifies offline (as the API's export).
            readable, hidden = audit_trail_for_export(request.user)
            queryset = readable.order_by("chain", "sequence")
            sealed = frozenset(str(pk) for pk in hidden.values_list("pk", flat=True))
        record_export(actor=request.user, file_format=file_format, filters=filters)
        return exports.download(
            queryset,
            file_format,
            sealed,
            language=translation.get_language(),
            delimiter=delimiter,
        )


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAuditAdmin):
    list_display = ("chain", "sequence", "hash")
    search_fields = ("chain",)
    fields = ("chain", "sequence", "hash")
    ordering = ("chain",)

    def scoped_queryset(self, request):
        user = request.user
        qs = ChainHead.objects.all()
        if _is_platform_operator(user):
            return qs
        if user.organization_id:
            return qs.filter(chain=str(user.organization_id))
        return qs.none()
