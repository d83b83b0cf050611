import uuid
from functools import cached_property

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.downloads import DOCUMENT_MEDIA_TYPES, DownloadNegotiation, download_responses
from api.etags import etag_for, expected_version
from api.filters import updated_since_filter
from api.pagination import paginated_response
from api.permissions import RolePermission
from api.schema import LIST, PAGE, READ, WRITE, problems
from api.serializers.bids import BidInputSerializer, BidSerializer, BidUpdateSerializer
from api.serializers.documents import BidDocumentUploadSerializer, DocumentSerializer
from api.views.tenders import file_response
from procurement import projection, selectors
from procurement.errors import InvalidInput, field_error
from procurement.models import Bid, Lot, Tender
from procurement.policy import Action
from procurement.services import bids as bid_services
from procurement.services import documents as document_services


class BidFilter(django_filters.FilterSet):
    tender = django_filters.UUIDFilter(field_name="tender_id")
    lot = django_filters.UUIDFilter(field_name="lot_id")
    status = django_filters.ChoiceFilter(choices=Bid.Status.choices)
    updated_since = updated_since_filter()

    class Meta:
        model = Bid
        fields = ["tender", "lot", "status"]


def _record_sealed_attempt(request, bid_id, what: str) -> None:
    bid_services.record_sealed_read_attempt(
        actor=request.user, what=what, path=request.path, bid_id=bid_id
    )


@extend_schema_view(
    list=extend_schema(
        summary="List bids",
        description=(
            "Suppliers see their own bids at all times. Buyers see the bids of their tenders only "
            "after opening; before it, nothing (only `bids_received` on the tender)."
        ),
        responses={200: BidSerializer(many=True), **problems(*LIST)},
    ),
)
class BidViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    cached_reads = frozenset({"list", "retrieve"})  # api.readcache
    serializer_class = BidSerializer
    permission_classes = [RolePermission]
    write_actions = {
        "create": Action.BID_MANAGE,
        "partial_update": Action.BID_MANAGE,
        "submit": Action.BID_MANAGE,
        "withdraw": Action.BID_MANAGE,
        "documents": Action.BID_MANAGE,
    }
    filterset_class = BidFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        bids = selectors.bids_for(self.request.user).select_related("tender", "supplier")
        if self.action in ("list", "retrieve"):
            return bids.prefetch_related("responses", "documents")
        return bids  # actions hand the bid to a service, which reads what it needs

    # Every field ordering_fields may give (the schema has no request to ask about).
    schema_ordering_fields = ("submitted_at", "created_at", "updated_at", "price_amount")

    @property
    def ordering_fields(self):
        # Ordering by price reveals it: the projection decides, per tender.
        request = getattr(self, "request", None)
        if request is not None and not projection.may_order_by_price(
            request.user, self._queried_tender
        ):
            return ["submitted_at", "created_at", "updated_at"]
        return ["submitted_at", "created_at", "updated_at", "price_amount"]

    @cached_property
    def _queried_tender(self):
        """The tender named by ?tender= (of the user's organisation), read once per request."""
        tender_id = self.request.query_params.get("tender")
        if not tender_id or not _is_uuid(tender_id):
            return None
        return Tender.objects.filter(
            pk=tender_id, organization_id=self.request.user.organization_id
        ).first()

    def list(self, request, *args, **kwargs):
        if request.query_params.get("tender") and not request.user.is_bidder:
            # Asking for a sealed tender's bids is an attempt worth recording.
            bid_services.record_sealed_read_attempt(
                actor=request.user, what="list", path=request.path, tender=self._queried_tender
            )
        return super().list(request, *args, **kwargs)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            _record_sealed_attempt(self.request, self.kwargs.get("pk"), self.action or "read")
            raise

    def _out(self, bid, code=status.HTTP_200_OK, *, reload=True):
        """The bid as the caller may see it; ``reload`` reads it again with its responses and
        documents (after a service changed it), unless the caller already has them."""
        if reload:
            bid = (
                selectors.bids_for(self.request.user)
                .select_related("tender", "supplier")
                .prefetch_related("responses", "documents")
                .get(pk=bid.pk)
            )
        response = Response(BidSerializer(bid, context={"request": self.request}).data, status=code)
        response["ETag"] = etag_for(bid)
        return response

    @extend_schema(
        summary="Read a bid",
        description="A supplier reads its own bids at any time; buyers read bids only after the opening (404 before: the seal). Evaluators of a tender that hides prices see no price.",
        responses={200: BidSerializer, **problems(*READ)},
    )
    def retrieve(self, request, pk=None):
        return self._out(self.get_object(), reload=False)

    @extend_schema(
        summary="Start a draft bid",
        description="A supplier's bidder drafts a bid for one lot of a published tender before the deadline (409 after it).",
        request=BidInputSerializer,
        responses={201: BidSerializer, **problems(*WRITE, 409)},
    )
    def create(self, request):
        serializer = BidInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tender = get_object_or_404(selectors.tenders_for(request.user), pk=data["tender"])
        lot = None
        if data.get("lot"):
            lot = Lot.objects.filter(pk=data["lot"], tender=tender).first()
            if lot is None:
                raise InvalidInput(
                    _("The lot does not belong to the tender."),
                    errors=[field_error("/lot", "invalid", _("Not a lot of this tender."))],
                )
        cost = data.get("cost")
        bid = bid_services.create_bid(
            actor=request.user,
            tender=tender,
            lot=lot,
            price_amount=data["price"]["amount"],
            currency=data["price"]["currency"],
            cost=dict(cost) if cost else None,
            responses=[dict(r) for r in data.get("responses", [])],
        )
        return self._out(bid, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft bid",
        description="Drafts only (409 otherwise); send `If-Match` with the ETag you read (412 when stale).",
        request=BidUpdateSerializer,
        responses={200: BidSerializer, **problems(*WRITE, 409, 412)},
    )
    def partial_update(self, request, pk=None):
        bid = self.get_object()
        version = expected_version(request, bid)
        serializer = BidUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = {}
        if "price" in data:
            changes["price_amount"] = data["price"]["amount"]
            changes["currency"] = data["price"]["currency"]
        if "cost" in data:
            changes["cost"] = dict(data["cost"]) if data["cost"] else None
        if "responses" in data:
            changes["responses"] = [dict(r) for r in data["responses"]]
        bid = bid_services.update_bid(
            bid=bid, actor=request.user, changes=changes, expected_version=version
        )
        return self._out(bid)

    @extend_schema(
        summary="Submit the bid",
        description=(
            "The server records `submitted_at`. A receipt with the SHA-256 of the canonical bid JSON "
            "and of each file is returned in `receipt`. Submitting replaces your earlier submitted bid "
            "for the lot (kept, marked superseded). 409 after the deadline; 400 lists unanswered criteria."
        ),
        request=None,
        responses={200: BidSerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        bid = bid_services.submit_bid(
            bid=self.get_object(),
            actor=request.user,
            received_at=getattr(request, "received_at", None),
        )
        return self._out(bid, reload=False)  # the service read it with all the receipt shows

    @extend_schema(
        summary="Withdraw the bid",
        description="A submitted bid, before the deadline (409 otherwise). The bid is kept, marked withdrawn.",
        request=None,
        responses={200: BidSerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        bid = bid_services.withdraw_bid(
            bid=self.get_object(),
            actor=request.user,
            received_at=getattr(request, "received_at", None),
        )
        return self._out(bid)

    @extend_schema(
        methods=["GET"],
        summary="List a bid's documents",
        description="The files attached to a bid, with their SHA-256. Price sheets are hidden from evaluators who may not see prices; buyers see nothing before the opening.",
        parameters=PAGE,
        responses={200: DocumentSerializer(many=True), **problems(*LIST)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload evidence to a draft bid",
        description="multipart/form-data with `file` and `kind` (certificate, declaration, price_sheet, other). 413/415 as for tender documents.",
        request={"multipart/form-data": BidDocumentUploadSerializer},
        responses={201: DocumentSerializer, **problems(*WRITE, 409, 413, 415)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser],
        filter_backends=[],
    )
    def documents(self, request, pk=None):
        bid = self.get_object()
        if request.method == "GET":
            return paginated_response(
                request, self, selectors.bid_documents_for(request.user, bid), DocumentSerializer
            )
        if not request.user.is_bidder:
            raise PermissionDenied(_("Only the bidding supplier may add documents."))
        serializer = BidDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        doc = document_services.upload_bid_document(
            bid=bid,
            actor=request.user,
            uploaded=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
        )
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "doc_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The document's id"
            )
        ],
        operation_id="bids_document_retrieve",
        summary="Read a bid document's metadata",
        description="File name, kind, SHA-256, size and media type of one document of the bid (the Location of its upload); the file itself is at `download/`. Sealed (404) for buyers until the opening.",
        responses={200: DocumentSerializer, **problems(*READ)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<doc_pk>[^/.]+)",
        url_name="document-detail",
        filter_backends=[],
    )
    def document(self, request, pk=None, doc_pk=None):
        bid = self.get_object()
        doc = get_object_or_404(selectors.bid_documents_for(request.user, bid), pk=doc_pk)
        return Response(DocumentSerializer(doc).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "doc_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The document's id"
            )
        ],
        summary="Download a bid document",
        description=(
            "The stored file, byte for byte, as an attachment, with its own media type (or "
            "`application/octet-stream` when you ask for that with Accept); `Repr-Digest` "
            "(RFC 9530) carries its SHA-256, the one in the bid's receipt. Sealed (404) for "
            "buyers until the opening."
        ),
        responses={
            **download_responses("The file", DOCUMENT_MEDIA_TYPES),
            **problems(*READ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<doc_pk>[^/.]+)/download",
        content_negotiation_class=DownloadNegotiation,
    )
    def download_document(self, request, pk=None, doc_pk=None):
        bid = self.get_object()
        doc = get_object_or_404(selectors.bid_documents_for(request.user, bid), pk=doc_pk)
        return file_response(doc, request)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
