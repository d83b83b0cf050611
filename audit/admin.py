"""The audit trail in the admin: read-only, scoped to the viewer's organisation.

Nobody adds, changes or deletes an event here: the chain is append-only and written by
``audit.services.record`` inside the service that made the change.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404

from audit.models import AuditEvent, ChainHead

SUPPLIER_ROLE = "bidder"


def _is_platform_operator(user) -> bool:
    return bool(getattr(user, "is_platform_operator", False))


def _is_buyer_member(user) -> bool:
    return bool(user.organization_id and user.role and user.role != SUPPLIER_ROLE)


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """Events the user may read: exactly the API's rule (audit.selectors.events_for), so that
    evaluators see only their own actions (blind scoring) and the seal reaches the trail."""
    from audit.selectors import events_for

    return events_for(user)


def may_read_audit_trail(user) -> bool:
    """The operator and the buyer side; suppliers read their receipts, not the trail."""
    return bool(user.is_active and (_is_platform_operator(user) or _is_buyer_member(user)))


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    actions = None

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object.")
        return obj

    def has_module_permission(self, request):
        return may_read_audit_trail(request.user)

    def has_view_permission(self, request, obj=None):
        return may_read_audit_trail(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

    def get_queryset(self, request):
        qs = audit_events_for(request.user).select_related("actor")
        return qs.order_by(*self.get_ordering(request))


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAuditAdmin):
    list_display = ("chain", "sequence", "hash")
    search_fields = ("chain",)
    fields = ("chain", "sequence", "hash")

    def get_queryset(self, request):
        user = request.user
        qs = ChainHead.objects.order_by("chain")
        if _is_platform_operator(user):
            return qs
        if user.organization_id:
            return qs.filter(chain=str(user.organization_id))
        return qs.none()
