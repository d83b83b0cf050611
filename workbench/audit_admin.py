"""The audit trail in the admin: read-only, scoped to the viewer's organisation.

Here in the workbench rather than in audit: which events a user may read is
``procurement.selectors``' rule, and audit sits below procurement.

Nobody adds, changes or deletes an event here: the chain is append-only and written by
``audit.services.record`` inside the service that made the change.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from audit import exports
from audit.models import AuditEvent, ChainHead
from audit.selectors import chains_for, verify_chains
from audit.services import record_export
from procurement import policy
from procurement.admin import ScopedAdmin
from procurement.models import BUYER_ROLES
from procurement.policy import Action
from procurement.selectors import audit_events_for, audit_trail_for_export


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


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAuditAdmin):
    list_display = (
        "created_at",
        "sequence",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "tender_id",
    )
    list_filter = ("action", "object_type", "actor_role")
    search_fields = ("action", "actor_username", "object_type", "object_id", "request_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-sequence")
    list_per_page = 100
    fields = (
        "created_at",
        "chain",
        "sequence",
        "organization_id",
        "actor",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "tender_id",
        "data",
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
        return audit_events_for(request.user).select_related("actor")

    def _may(self, user, action) -> bool:
        return policy.may(user, action)

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
        """The list as it is filtered, as CSV, JSONL or XLSX; the export is itself audited."""

        if not self._may(request.user, self.export_action):
            raise PermissionDenied
        params = request.GET.copy()
        file_format = params.pop("format", [""])[0]
        if file_format not in exports.FORMATS:
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
        return exports.download(queryset, file_format, sealed)


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
