"""The audit trail: read, export and verify. Nothing here writes, except the export's own event."""

import django_filters
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, pagination, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.filters import CollectionFilterBackend, CollectionOrderingFilter, UtcIsoDateTimeFilter
from api.pagination import PageNumberPagination
from api.permissions import RolePermission
from api.schema import problems
from api.serializers.audit import AuditEventSerializer, ChainVerificationSerializer
from audit import exports, selectors, services
from audit.models import AuditEvent
from procurement.policy import Action
from procurement.selectors import audit_events_for, audit_trail_for_export


class AuditEventFilter(django_filters.FilterSet):
    tender = django_filters.UUIDFilter(field_name="tender_id", help_text="The tender's id")
    actor = django_filters.UUIDFilter(field_name="actor_id", help_text="The acting user's id")
    action = django_filters.CharFilter(
        method="filter_action",
        help_text="A dotted verb, e.g. `tender.published`; `tender.*` for every tender action",
    )
    object_type = django_filters.CharFilter(help_text="e.g. tender, bid, tender_criterion")
    object_id = django_filters.CharFilter(help_text="The object's id")
    since = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="From this time (inclusive)"
    )
    until = UtcIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="Before this time (exclusive)"
    )

    class Meta:
        model = AuditEvent
        fields = ["tender", "actor", "action", "object_type", "object_id", "since", "until"]

    def filter_action(self, queryset, name, value):
        if value.endswith(".*"):
            return queryset.filter(action__startswith=value[:-1])
        return queryset.filter(action=value)


class _AuditCursor(pagination.CursorPagination):
    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventPagination(PageNumberPagination):
    """Page numbers with a count, as every list of the API; `?cursor=` (empty for the first
    page) walks by cursor instead: stable while events are appended, without a count."""

    def __init__(self):
        self._cursor = _AuditCursor()
        self._by_cursor = False

    def paginate_queryset(self, queryset, request, view=None):
        self._by_cursor = "cursor" in request.query_params
        if self._by_cursor:
            return self._cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._by_cursor:
            return self._cursor.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["required"] = ["results"]  # no count when walking by cursor
        return described

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "Walk by cursor instead of page numbers (empty for the first "
                "page; then follow `next`): stable while events are appended, no `count`.",
                "schema": {"type": "string"},
            },
        ]


FILTER_NAMES = ("tender", "actor", "action", "object_type", "object_id", "since", "until")
EXPORT_PARAMETERS = [
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        required=True,
        enum=list(exports.FORMATS),
        description="csv, jsonl or xlsx; each verifiable offline with `python -m audit.verify`",
    ),
    OpenApiParameter(
        "delimiter",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        enum=list(exports.DELIMITERS),
        description=(
            "CSV only: the separator between fields, `comma` (`,`), `semicolon` (`;`) or `tab`. "
            "By default `semicolon` when the answer's language (`?lang=`, else "
            "`Accept-Language`) is Swedish, as Excel with Swedish settings expects, else "
            "`comma`."
        ),
    ),
    OpenApiParameter("tender", OpenApiTypes.UUID, description="The tender's id"),
    OpenApiParameter("actor", OpenApiTypes.UUID, description="The acting user's id"),
    OpenApiParameter("action", OpenApiTypes.STR, description="A dotted verb, or `tender.*`"),
    OpenApiParameter("object_type", OpenApiTypes.STR, description="e.g. tender, bid"),
    OpenApiParameter("object_id", OpenApiTypes.STR, description="The object's id"),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="From this time (inclusive)"),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Before this time (exclusive)"),
]


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    cached_reads = frozenset({"list"})  # api.readcache
    serializer_class = AuditEventSerializer
    permission_classes = [RolePermission]
    read_actions = {"export": Action.AUDIT_EXPORT, "verify": Action.AUDIT_VERIFY}
    filter_backends = [CollectionFilterBackend, CollectionOrderingFilter]
    filterset_class = AuditEventFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-sequence"]
    pagination_class = AuditEventPagination
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        return audit_events_for(self.request.user)

    def perform_content_negotiation(self, request, force=False):
        # `?format=` is the export's own parameter here, not DRF's renderer override: answer
        # errors as JSON problem details and let the view pick the file type.
        if self.action == "export":
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        summary="List audit events",
        description=(
            "Admins and auditors read their organisation's whole chain; officers the events of "
            "their organisation's tenders and their own; evaluators and bidders their own "
            "actions; nobody another organisation's. Pages as every list (`count`, `?page=`), or "
            "by cursor with `?cursor=` (stable while events are appended): "
            "`?ordering=-created_at` newest first (the default) or `created_at` oldest first; "
            "`page_size` up to 500."
        ),
        responses={200: AuditEventSerializer(many=True), **problems(400, 401, 404)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Export audit events (streamed)",
        description=(
            "CSV, JSON Lines or XLSX with the same filters as the list, in chain order (chain, "
            "then sequence). Streamed: memory does not grow with the number of rows. Every "
            "hashed field is included, so every format can be verified offline with "
            "`python -m audit.verify FILE`. CSV is UTF-8 with a byte order mark, its header "
            "the fields' keys, separated by `;` when the answer's language is Swedish and by "
            "`,` otherwise (`delimiter` chooses). XLSX is typed: `sequence` a number, the time "
            "an Excel date and time in the server's time zone (named in the column title) and, "
            "last, the exact UTC time as text; column titles in the answer's language, the "
            "fields' keys in the hidden sheet `fields`. `data` is readable JSON in every format. "
            "Each export is itself recorded (`audit.exported`). Admins, auditors and the "
            "platform operator only."
        ),
        parameters=EXPORT_PARAMETERS,
        filters=False,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="CSV (UTF-8 with a byte order mark) with a header"
            ),
            (200, "application/jsonl"): OpenApiResponse(
                OpenApiTypes.STR, description="One canonical JSON event per line"
            ),
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX workbook"),
            **problems(400, 401, 403),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        file_format = request.query_params.get("format", "")
        if file_format not in exports.FORMATS:
            raise ValidationError(
                {
                    "format": [
                        _("Choose one of %(formats)s.") % {"formats": ", ".join(exports.FORMATS)}
                    ]
                },
                code="invalid",
            )
        delimiter = request.query_params.get("delimiter") or None
        if delimiter is not None and delimiter not in exports.DELIMITERS:
            raise ValidationError(
                {
                    "delimiter": [
                        _("Choose one of %(formats)s.") % {"formats": ", ".join(exports.DELIMITERS)}
                    ]
                },
                code="invalid",
            )
        readable, sealed = audit_trail_for_export(request.user)
        queryset = self.filter_queryset(readable).order_by("chain", "sequence")
        sealed_ids = frozenset(
            str(pk) for pk in self.filter_queryset(sealed).values_list("pk", flat=True)
        )
        used = {
            name: request.query_params[name]
            for name in FILTER_NAMES
            if request.query_params.get(name)
        }
        services.record_export(actor=request.user, file_format=file_format, filters=used)
        return exports.download(
            queryset,
            file_format,
            sealed_ids,
            language=translation.get_language(),  # the API's (api.language)
            delimiter=delimiter,
        )

    @extend_schema(
        summary="Verify the hash chain",
        description=(
            "Walks your organisation's chain (the platform operator: every chain) from the "
            "first event, recomputing each SHA-256 and checking each link and the chain head. "
            "`first_invalid` names the first broken link and why: `changed content`, `missing "
            "event`, `reordered events` or `wrong previous hash`. `chains` gives each chain's "
            "last sequence and hash, to compare with a later verification or export. Admins, "
            "auditors, officers and the platform operator."
        ),
        filters=False,
        responses={200: ChainVerificationSerializer, **problems(400, 401, 403)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def verify(self, request):
        result = selectors.verify_chains(selectors.chains_for(request.user))
        return Response(ChainVerificationSerializer(result).data)
