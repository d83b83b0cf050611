from typing import Any

import django_filters
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.downloads import (
    DOCUMENT_MEDIA_TYPES,
    DownloadNegotiation,
    as_requested,
    download_responses,
)
from api.etags import etag_for, expected_version
from api.filters import UtcIsoDateTimeFilter, updated_since_filter
from api.pagination import paginated_response
from api.permissions import RolePermission
from api.schema import LIST, PAGE, READ, WRITE, problems
from api.serializers.criteria import AmendInputSerializer, AmendmentSerializer, BurdenSerializer
from api.serializers.documents import DocumentSerializer, TenderDocumentUploadSerializer
from api.serializers.tenders import (
    CheckSerializer,
    LotChangeSerializer,
    LotInputSerializer,
    LotSerializer,
    ReasonSerializer,
    TenderCopyInputSerializer,
    TenderInputSerializer,
    TenderSerializer,
)
from criteria import selectors as criteria_selectors
from criteria import services as criteria_services
from criteria.burden import supplier_burden
from procurement import selectors, uploads
from procurement.checks import all_checks
from procurement.errors import InvalidInput, field_error
from procurement.models import Lot, Tender, TenderDocument
from procurement.policy import Action
from procurement.services import documents as document_services
from procurement.services import opening as opening_services
from procurement.services import tenders as tender_services
from publication import feed as ocds_feed


class TenderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Tender.Status.choices,
        method="filter_status",
        help_text="Effective status, e.g. published or closed",
    )
    reference = django_filters.CharFilter(lookup_expr="icontains")
    title = django_filters.CharFilter(lookup_expr="icontains")
    procedure = django_filters.ChoiceFilter(choices=Tender._meta.get_field("procedure").choices)
    deadline_after = UtcIsoDateTimeFilter(field_name="submission_deadline", lookup_expr="gte")
    deadline_before = UtcIsoDateTimeFilter(field_name="submission_deadline", lookup_expr="lt")
    organization = django_filters.UUIDFilter(field_name="organization_id")
    updated_since = updated_since_filter()

    class Meta:
        model = Tender
        fields = ["status", "reference", "title", "procedure", "organization"]

    def filter_status(self, queryset, name, value):
        return queryset.in_effective_status(value)


def _with_etag(response: Response, obj) -> Response:
    response["ETag"] = etag_for(obj)
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List tenders",
        description="Buyers see their organisation's tenders (evaluators only opened ones); bidders see published tenders of every buyer.",
        responses={200: TenderSerializer(many=True), **problems(*LIST)},
    ),
    retrieve=extend_schema(
        summary="Read a tender",
        description="Returns an `ETag`; send it as `If-Match` with PATCH. Before opening, buyers see only `bids_received` about the bids.",
        responses={200: TenderSerializer, **problems(*READ)},
    ),
)
class TenderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    cached_reads = frozenset({"list", "retrieve"})  # api.readcache
    serializer_class = TenderSerializer
    permission_classes = [RolePermission]
    write_actions = {
        "create": Action.TENDER_CREATE,
        "partial_update": Action.TENDER_CHANGE,
        "publish": Action.TENDER_PUBLISH,
        "open": Action.TENDER_OPEN,
        "cancel": Action.TENDER_CANCEL,
        "amend": Action.TENDER_AMEND,
        "copy": Action.TENDER_COPY,
    }
    filterset_class = TenderFilter
    ordering_fields = ["submission_deadline", "created_at", "updated_at", "reference", "title"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            selectors.tenders_for(self.request.user)
            .select_related("opening_requested_by")
            .prefetch_related("lots")
        )

    def _out(self, tender, code=status.HTTP_200_OK):
        tender = self.get_queryset().get(pk=tender.pk)
        return _with_etag(
            Response(TenderSerializer(tender, context={"request": self.request}).data, status=code),
            tender,
        )

    def retrieve(self, request, pk=None):
        tender = self.get_object()
        return _with_etag(Response(self.get_serializer(tender).data), tender)

    @extend_schema(
        summary="Create a tender",
        description="Creates a draft of your organisation with lot 1. `evaluation` holds the method and its parameters.",
        request=TenderInputSerializer,
        responses={201: TenderSerializer, **problems(400, 401, 403)},
    )
    def create(self, request):
        serializer = TenderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tender = tender_services.create_tender(actor=request.user, **serializer.to_service_fields())
        return self._out(tender, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft tender",
        description="Send the ETag you read as `If-Match` (412 when stale). A published tender is frozen (409): use amend.",
        request=TenderInputSerializer(partial=True),
        responses={200: TenderSerializer, **problems(*WRITE, 409, 412)},
    )
    def partial_update(self, request, pk=None):
        tender = self.get_object()
        version = expected_version(request, tender)
        serializer = TenderInputSerializer(tender, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        tender = tender_services.update_tender(
            tender=tender,
            actor=request.user,
            changes=serializer.to_service_fields(),
            expected_version=version,
        )
        return self._out(tender)

    @extend_schema(
        summary="Publish a draft",
        description=(
            "Runs every pre-publish check: errors block (400, all listed at once), warnings are "
            "returned in `warnings`. Criteria, weights and method are frozen from now on. "
            "Publishing twice is 409."
        ),
        request=None,
        responses={200: TenderSerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        tender = tender_services.publish_tender(tender=self.get_object(), actor=request.user)
        return self._out(tender)

    @extend_schema(
        summary="Open the bids (two officers)",
        description=(
            "409 before the deadline. The first officer's call answers `status: opening` with "
            "`opening_requested_by`; the same officer again gets 409; a second officer's call "
            "answers `status: opened` with the opening protocol (opened_by, opened_at, bids)."
        ),
        request=None,
        responses={200: TenderSerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        tender = opening_services.open_tender(tender=self.get_object(), actor=request.user)
        return self._out(tender)

    @extend_schema(
        summary="Cancel a tender",
        description="From any state before award, with a reason (audited).",
        request=ReasonSerializer,
        responses={200: TenderSerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tender = tender_services.cancel_tender(
            tender=self.get_object(), actor=request.user, reason=serializer.validated_data["reason"]
        )
        return self._out(tender)

    @extend_schema(
        summary="Amend a published tender (before the deadline)",
        description=(
            "A reasoned change: `reason` and `changes` (evaluation, a later submission_deadline, "
            "title, description, criteria weights/values). The old configuration is kept and every "
            "amendment is visible to suppliers. 409 after the deadline or for a draft."
        ),
        request=AmendInputSerializer,
        responses={200: TenderSerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        serializer = AmendInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data["changes"])
        if "criteria" in changes:
            changes["criteria"] = [dict(c) for c in changes["criteria"]]
        criteria_services.amend_tender(
            tender=self.get_object(),
            actor=request.user,
            reason=serializer.validated_data["reason"],
            changes=changes,
        )
        return self._out(self.get_object())

    @extend_schema(
        summary="Copy a tender into a new draft",
        description=(
            "A new draft of your organisation from a tender in any state: its details, "
            "evaluation settings, lots and criteria (as that tender froze them, with their "
            "library source and version). Never its bids, documents, amendments or history. "
            "Give the new `reference` and `submission_deadline`; `title` is optional."
        ),
        request=TenderCopyInputSerializer,
        responses={201: TenderSerializer, **problems(*WRITE)},
        examples=[
            OpenApiExample(
                "Next year's tender",
                value={
                    "reference": "NLL-2027-0031",
                    "submission_deadline": "2027-03-01T11:00:00Z",
                    "title": "Kött och ägg 2027",
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        serializer = TenderCopyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tender = criteria_services.copy_tender(
            tender=self.get_object(), actor=request.user, **serializer.validated_data
        )
        response = self._out(tender, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/tenders/{tender.pk}/"  # the copy, not under /copy/
        return response

    @extend_schema(
        summary="The tender's amendments, oldest first",
        description="Reason, changes and the configuration before and after (with its SHA-256). Suppliers see them too.",
        parameters=PAGE,
        responses={200: AmendmentSerializer(many=True), **problems(*LIST)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def amendments(self, request, pk=None):
        tender = self.get_object()
        return paginated_response(
            request,
            self,
            criteria_selectors.amendments_for(request.user, tender),
            AmendmentSerializer,
        )

    @extend_schema(
        summary="What a supplier must provide, per lot",
        description=(
            "Requirements, certificates and written answers a supplier must provide, the turnover "
            "requirement against the lot's value, and flags where a small supplier is likely shut out."
        ),
        responses={200: BurdenSerializer(many=True), **problems(*READ)},
    )
    @action(detail=True, methods=["get"], url_path="supplier-burden", pagination_class=None)
    def supplier_burden(self, request, pk=None):
        return Response(supplier_burden(self.get_object()))

    @extend_schema(
        summary="OCDS 1.1 release package",
        description=(
            "The tender as it stands now, as one Open Contracting Data Standard 1.1.5 release in "
            "a release package, for the staff who may read the tender: a draft as a `planning` "
            "release (never published), then tender, lots, CPV items, award criteria per lot "
            "(lots, bid, awardCriteria and sustainability extensions), bid statistics after the "
            "opening and the awards after the decision. Built afresh on each call; the published "
            "releases (one per milestone) are in the public feed, "
            "`GET /api/v1/public/ocds/releases/`. Amounts are exact JSON numbers."
        ),
        responses={
            (200, "application/json"): OpenApiResponse(
                {"$ref": "#/components/schemas/OcdsReleasePackage"},
                description="OCDS release package",
            ),
            **problems(*READ),
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def ocds(self, request, pk=None):
        package = ocds_feed.tender_package(self.get_object())
        return HttpResponse(ocds_feed.render(package), content_type="application/json")

    @extend_schema(
        summary="Pre-publish checks",
        description="Every check with severity (error blocks publishing, warning informs), a stable code, the object and a message in Swedish and English.",
        responses={200: CheckSerializer(many=True), **problems(*READ)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def checks(self, request, pk=None):
        return Response(all_checks(self.get_object()))


TENDER_PK = OpenApiParameter(
    "tender_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The tender's id"
)
LOT_PK = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The lot's id"
)
DOC_PK = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The document's id"
)


class TenderChildMixin:
    # Set by the view this is mixed into (request: a DRF Request with a signed-in User).
    request: Any
    kwargs: dict[str, Any]

    def get_tender(self) -> Tender:
        if not hasattr(self, "_tender"):
            self._tender = get_object_or_404(
                selectors.tenders_for(self.request.user), pk=self.kwargs["tender_pk"]
            )
        return self._tender


def _lot_amounts(tender: Tender, data: dict[str, Any]) -> dict[str, Any]:
    """The money fields of a lot as amounts, in the tender's currency (400 otherwise)."""
    wrong = [
        field_error(
            f"/{key}/currency",
            "currency_mismatch",
            _("Use %(currency)s.") % {"currency": tender.currency},
        )
        for key in ("estimated_value", "minimum_turnover")
        if data.get(key) and data[key]["currency"] != tender.currency
    ]
    if wrong:
        raise InvalidInput(
            _("Amounts of this tender are in %(currency)s.") % {"currency": tender.currency},
            errors=wrong,
        )
    for key in ("estimated_value", "minimum_turnover"):
        if key in data:
            value = data[key]
            data[key] = value["amount"] if value else None
    return data


@extend_schema(parameters=[TENDER_PK, LOT_PK])
@extend_schema_view(
    list=extend_schema(
        summary="List a tender's lots",
        description="The lots (delkontrakt) of a tender with their estimated value and any minimum turnover.",
        responses={200: LotSerializer(many=True), **problems(*LIST)},
    ),
    retrieve=extend_schema(
        summary="Read a lot",
        description="One lot (delkontrakt) of the tender: number, title, estimated value and any minimum turnover.",
        responses={200: LotSerializer, **problems(*READ)},
    ),
)
class LotViewSet(
    TenderChildMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = LotSerializer
    permission_classes = [RolePermission]
    write_actions = {
        "create": Action.LOT_ADD,
        "partial_update": Action.LOT_CHANGE,
        "destroy": Action.LOT_REMOVE,
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    queryset = Lot.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lot.objects.none()
        return selectors.lots_for(self.request.user, self.get_tender()).select_related("tender")

    @extend_schema(
        summary="Add a lot",
        description="Drafts only. A minimum turnover above twice the lot's value is refused (art. 58(3)).",
        request=LotInputSerializer,
        responses={201: LotSerializer, **problems(*WRITE, 409)},
    )
    def create(self, request, tender_pk=None):
        tender = self.get_tender()
        serializer = LotInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _lot_amounts(tender, dict(serializer.validated_data))
        lot = tender_services.add_lot(tender=tender, actor=request.user, **data)
        return Response(LotSerializer(lot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a lot",
        description=(
            "Drafts only (409 once published: amend the tender instead). `title`, "
            "`description`, `estimated_value`, `minimum_turnover`; the number stays."
        ),
        request=LotChangeSerializer,
        responses={200: LotSerializer, **problems(*WRITE, 409)},
    )
    def partial_update(self, request, tender_pk=None, pk=None):
        lot = self.get_object()
        # Not partial: every field is optional, and a money object given must be whole.
        serializer = LotChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = _lot_amounts(lot.tender, dict(serializer.validated_data))
        lot = tender_services.update_lot(lot=lot, actor=request.user, changes=changes)
        return Response(LotSerializer(lot).data)

    @extend_schema(
        summary="Remove a lot",
        description=(
            "Drafts only (409 once published). A tender keeps at least one lot (409 "
            "`last_lot`), and a lot with criteria of its own keeps them until they are removed "
            "(409 `lot_has_criteria`). The other lots keep their numbers. Send the tender's "
            "ETag as `If-Match` to refuse the removal if the tender changed since you read it "
            "(412)."
        ),
        request=None,
        responses={204: None, **problems(*WRITE, 409, 412)},
    )
    def destroy(self, request, tender_pk=None, pk=None):
        lot = self.get_object()
        tender = self.get_tender()
        criteria_services.remove_lot(
            lot=lot, actor=request.user, expected_version=expected_version(request, tender)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[TENDER_PK, DOC_PK])
@extend_schema_view(
    list=extend_schema(
        summary="List a tender's documents",
        description="The procurement documents with file name, version, SHA-256, size and media type; suppliers see them once the tender is published.",
        responses={200: DocumentSerializer(many=True), **problems(*LIST)},
    ),
    retrieve=extend_schema(
        summary="Read a tender document's metadata",
        description="File name, kind, version, SHA-256, size and media type of one document (the Location of its upload); the file itself is at `download/`.",
        responses={200: DocumentSerializer, **problems(*READ)},
    ),
)
class TenderDocumentViewSet(
    TenderChildMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = DocumentSerializer
    permission_classes = [RolePermission]
    write_actions = {"create": Action.DOCUMENT_UPLOAD}
    parser_classes = [MultiPartParser]
    filterset_fields = ["kind", "filename"]

    queryset = TenderDocument.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TenderDocument.objects.none()
        return selectors.tender_documents_for(self.request.user, self.get_tender())

    @extend_schema(
        summary="Upload a tender document",
        description=(
            "multipart/form-data with `file` and `kind`. Returns the safe file name, SHA-256, size, "
            "media type and version (a new upload with the same name is the next version). "
            "413 over the size limit; 415 for a type outside the allowed list, judged by content and name."
        ),
        request={"multipart/form-data": TenderDocumentUploadSerializer},
        responses={201: DocumentSerializer, **problems(*WRITE, 409, 413, 415)},
    )
    def create(self, request, tender_pk=None):
        tender = self.get_tender()
        serializer = TenderDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        doc = document_services.upload_tender_document(
            tender=tender,
            actor=request.user,
            uploaded=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
        )
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download a tender document",
        description=(
            "The stored file, byte for byte, as an attachment, with its own media type (or "
            "`application/octet-stream` when you ask for that with Accept); `Repr-Digest` "
            "(RFC 9530) carries its SHA-256, the one in the listing."
        ),
        responses={
            **download_responses("The file, as an attachment", DOCUMENT_MEDIA_TYPES),
            **problems(*READ),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=DownloadNegotiation)
    def download(self, request, tender_pk=None, pk=None):
        return file_response(self.get_object(), request)


def file_response(doc, request):
    """A stored document as a download: procurement.uploads.file_response, in the media type
    the client asked for."""
    response = uploads.file_response(doc)
    return as_requested(request, response, doc.media_type)
