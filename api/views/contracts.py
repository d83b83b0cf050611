"""Contract follow-up (API.md, "Third wave"): contracts signed per awarded lot, their
commitments, the checks scheduled from them, answered by the supplier and reviewed by the
buyer, and the deviations followed to their close.

Views parse and render; the services in ``contracts.services`` decide and audit; the
selectors in ``contracts.selectors`` decide which rows a user reaches (404 otherwise) and
compute what follows from the clock on every read."""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.downloads import DOCUMENT_MEDIA_TYPES, DownloadNegotiation, download_responses
from api.etags import etag_for, expected_version
from api.pagination import paginated_response
from api.permissions import RolePermission
from api.schema import LIST, PAGE, READ, WRITE, problems
from api.serializers.contracts import (
    CheckAnswerInputSerializer,
    CheckReviewInputSerializer,
    CommitmentSerializer,
    CommitmentUpdateSerializer,
    ContractCheckDocumentSerializer,
    ContractCheckDocumentUploadSerializer,
    ContractCheckInputSerializer,
    ContractCheckSerializer,
    ContractInputSerializer,
    ContractSerializer,
    DeviationCloseInputSerializer,
    DeviationSerializer,
    DeviationUpdateSerializer,
)
from api.views.tenders import file_response
from contracts import selectors, services
from contracts.models import Check, Commitment, Contract, Deviation
from procurement import selectors as procurement_selectors
from procurement.errors import InvalidInput, field_error
from procurement.models import Lot
from procurement.policy import Action

EXAMPLE_CONTRACT = {
    "lot": "3f2a9c1e-0000-4000-8000-000000000001",
    "reference": "AVT-2027-014",
    "signed_on": "2027-03-01",
    "starts_on": "2027-03-01",
    "ends_on": "2029-02-28",
    "value": {"amount": "4630000.00", "currency": "SEK"},
}


def _id_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


def _created(data: dict, location: str) -> Response:
    response = Response(data, status=status.HTTP_201_CREATED)
    response["Location"] = location
    return response


def _sanction(value):
    return (value["amount"], value["currency"]) if value else None


class TenderContractsView(APIView):
    permission_classes = [RolePermission]
    write_actions = {None: Action.CONTRACT_MANAGE}

    @extend_schema(
        operation_id="tender_contracts_create",
        tags=["contracts"],
        summary="Sign the contract of an awarded lot",
        description=(
            "Officers record the contract signed with the winner of a lot (`lot` may be left "
            "out for a tender of one lot). Its commitments are frozen from the tender's "
            "criteria for that lot: every requirement and contract condition, and every award "
            "criterion on which the winning bid earned points, with the bid's answer as "
            "`promised`. Each commitment's first check is due a quarter after the start (at "
            "least a month from today) and is requested 30 days before it, or at once when "
            "nearer. 409 for a lot without an award, a second contract for the same lot, or "
            "before the standstill period ends, except where the lot had a single bid "
            "(LOU 20 kap. 3 §); 400 for dates that do not fit (ends before it starts, signed "
            "after it ends, in the future or before the award). Audited "
            "(`contract.signed`, a webhook event)."
        ),
        request=ContractInputSerializer,
        responses={201: ContractSerializer, **problems(*WRITE, 409)},
        examples=[OpenApiExample("A two-year contract", value=EXAMPLE_CONTRACT, request_only=True)],
    )
    def post(self, request, pk):
        tender = get_object_or_404(procurement_selectors.tenders_for(request.user), pk=pk)
        serializer = ContractInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lot = None
        if data.get("lot"):
            lot = Lot.objects.filter(pk=data["lot"], tender=tender).first()
            if lot is None:
                raise InvalidInput(
                    _("The lot does not belong to the tender."),
                    errors=[field_error("/lot", "invalid", _("Not a lot of this tender."))],
                )
        contract = services.sign_contract(
            tender=tender,
            actor=request.user,
            lot=lot,
            reference=data["reference"],
            signed_on=data["signed_on"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            value_amount=data["value"]["amount"],
            value_currency=data["value"]["currency"],
        )
        contract = selectors.contracts_for(request.user).get(pk=contract.pk)
        return _created(
            ContractSerializer(contract).data, reverse("contract-detail", args=[contract.pk])
        )


class ContractFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices, method="by_status")
    tender = django_filters.UUIDFilter(field_name="tender_id")
    supplier = django_filters.UUIDFilter(field_name="supplier_id")
    # true: contracts with a visible check past its due date, unanswered
    overdue = django_filters.BooleanFilter(method="by_overdue")

    class Meta:
        model = Contract
        fields = ["status", "tender", "supplier", "overdue"]

    def by_status(self, queryset, name, value):
        return selectors.by_status(queryset, value)

    def by_overdue(self, queryset, name, value):
        with_overdue = selectors.with_overdue(queryset)
        return with_overdue if value else queryset.exclude(pk__in=with_overdue.values("pk"))


COMMITMENT_ID = _id_param("commitment_pk", "The commitment's id")


@extend_schema(tags=["contracts"], parameters=[_id_param("id", "The contract's id")])
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Kept answers end when a check turns visible or overdue, or a contract ends
    # (api.readcache asks contracts.selectors.next_change_after).
    cached_reads = frozenset({"list", "retrieve"})
    serializer_class = ContractSerializer
    permission_classes = [RolePermission]
    write_actions = {"commitment": Action.CONTRACT_MANAGE, "checks": Action.CONTRACT_MANAGE}
    filterset_class = ContractFilter
    ordering_fields = ["signed_on", "starts_on", "ends_on", "reference"]
    ordering = ["-signed_on", "reference"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Contract.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contract.objects.none()
        return selectors.contracts_for(self.request.user)

    @extend_schema(
        summary="List contracts",
        description=(
            "Buyer-side readers (admin, officer, auditor) see their organisation's contracts; a "
            "supplier's bidders their own organisation's; evaluators none. Filters: `status` "
            "(`active`, `ended`: its last day has passed, `terminated`), `tender`, `supplier`, "
            "`overdue=true` (a check past its due date, unanswered)."
        ),
        parameters=[
            OpenApiParameter(
                "overdue",
                OpenApiTypes.BOOL,
                description="true: contracts with a check past its due date, unanswered "
                "(computed from the clock on every read); false: the others",
            ),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=list(Contract.Status.values),
                description="`ended`: active contracts whose last day has passed",
            ),
        ],
        responses={200: ContractSerializer(many=True), **problems(*LIST)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Read a contract",
        description="With its commitments; `status` follows from the clock on every read.",
        responses={200: ContractSerializer, **problems(*READ)},
    )
    def retrieve(self, request, *args, **kwargs):
        contract = self.get_object()
        response = Response(ContractSerializer(contract).data)
        response["ETag"] = etag_for(contract)
        return response

    @extend_schema(
        summary="The contract's commitments",
        description=(
            "Frozen at signing: each with `promised` (the winning bid's answer), how it is "
            "verified, how often (`every_months`, null: once) and the next due date."
        ),
        parameters=PAGE,
        responses={200: CommitmentSerializer(many=True), **problems(*LIST)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def commitments(self, request, pk=None):
        contract = self.get_object()
        return paginated_response(
            request, self, selectors.commitments_of(contract), CommitmentSerializer
        )

    @extend_schema(
        operation_id="contracts_commitment_partial_update",
        parameters=[COMMITMENT_ID],
        summary="Change a commitment's follow-up",
        description=(
            "Officers: `verification`, `every_months` (null: once) and `next_due_on` (the first "
            "due date of the new schedule, within the contract and from today). A new date or "
            "interval lays the schedule out again: checks not yet requested are replaced, "
            "those already requested stay; a check due within 30 days is requested at once. "
            "Send the ETag you read as `If-Match` (412 when stale). 409 for a terminated "
            "contract. Audited."
        ),
        request=CommitmentUpdateSerializer,
        responses={200: CommitmentSerializer, **problems(*WRITE, 409, 412)},
        examples=[
            OpenApiExample(
                "Quarterly, by documents",
                value={"verification": "documents", "every_months": 3, "next_due_on": "2027-06-01"},
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"commitments/(?P<commitment_pk>[^/.]+)",
        url_name="commitment-detail",
        filter_backends=[],
    )
    def commitment(self, request, pk=None, commitment_pk=None):
        contract = self.get_object()
        commitment = get_object_or_404(
            Commitment.objects.filter(contract=contract), pk=commitment_pk
        )
        version = expected_version(request, commitment)
        serializer = CommitmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment = services.update_commitment(
            commitment=commitment,
            actor=request.user,
            changes=dict(serializer.validated_data),
            expected_version=version,
        )
        shown = selectors.commitments_of(contract).get(pk=commitment.pk)
        response = Response(CommitmentSerializer(shown).data)
        response["ETag"] = etag_for(shown)
        return response

    @extend_schema(
        methods=["GET"],
        summary="The contract's checks",
        description=(
            "The checks requested so far, due first (a scheduled check appears 30 days before "
            "its due date); `status` is `overdue` from the day after the due date while "
            "unanswered, on every read."
        ),
        parameters=PAGE,
        responses={200: ContractCheckSerializer(many=True), **problems(*LIST)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Ask for a check",
        description=(
            "Officers, at any time (e.g. an unannounced sample): requested at once, due within "
            "the contract (400 before it starts or after it ends; 400 for a commitment of "
            "another contract). 409 for a terminated contract. Audited "
            "(`contract.check_requested`, a webhook event)."
        ),
        request=ContractCheckInputSerializer,
        responses={201: ContractCheckSerializer, **problems(*WRITE, 409)},
        examples=[
            OpenApiExample(
                "An unannounced sample",
                value={
                    "commitment": "3f2a9c1e-0000-4000-8000-000000000002",
                    "due_on": "2027-05-15",
                    "request": "Send the delivery notes of week 18 and a sample of eggs.",
                },
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def checks(self, request, pk=None):
        contract = self.get_object()
        if request.method == "GET":
            return paginated_response(
                request, self, selectors.checks_of(contract), ContractCheckSerializer
            )
        serializer = ContractCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        commitment = Commitment.objects.filter(pk=data["commitment"], contract=contract).first()
        if commitment is None:
            raise InvalidInput(
                _("Not a commitment of this contract."),
                errors=[
                    field_error("/commitment", "invalid", _("Not a commitment of this contract."))
                ],
            )
        check = services.add_check(
            contract=contract,
            actor=request.user,
            commitment=commitment,
            due_on=data["due_on"],
            request=data["request"],
        )
        check = selectors.checks_for(request.user).get(pk=check.pk)
        return _created(
            ContractCheckSerializer(check).data, reverse("check-detail", args=[check.pk])
        )

    @extend_schema(
        summary="The contract's deviations",
        description="Opened by reviews, oldest first; the supplier's bidders read their own.",
        parameters=PAGE,
        responses={200: DeviationSerializer(many=True), **problems(*LIST)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def deviations(self, request, pk=None):
        contract = self.get_object()
        return paginated_response(
            request, self, selectors.deviations_of(contract), DeviationSerializer
        )


@extend_schema(tags=["contracts"], parameters=[_id_param("id", "The check's id")])
class CheckViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    cached_reads = frozenset({"retrieve"})
    serializer_class = ContractCheckSerializer
    permission_classes = [RolePermission]
    write_actions = {
        "answer": Action.CHECK_ANSWER,
        "documents": Action.CHECK_ANSWER,
        "review": Action.CONTRACT_MANAGE,
    }
    filter_backends: list = []
    pagination_class = None
    http_method_names = ["get", "post", "head", "options"]
    queryset = Check.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Check.objects.none()
        return selectors.checks_for(self.request.user)

    def _out(self, check):
        check = selectors.checks_for(self.request.user).get(pk=check.pk)
        response = Response(ContractCheckSerializer(check).data)
        response["ETag"] = etag_for(check)
        return response

    @extend_schema(
        summary="Read a check",
        description=(
            "The request, the supplier's answer and evidence, and the review. `status`: "
            "requested, submitted, met, deviation, or overdue (from the day after the due "
            "date while unanswered, on every read)."
        ),
        responses={200: ContractCheckSerializer, **problems(*READ)},
    )
    def retrieve(self, request, *args, **kwargs):
        check = self.get_object()
        response = Response(ContractCheckSerializer(check).data)
        response["ETag"] = etag_for(check)
        return response

    @extend_schema(
        summary="Answer a check",
        description=(
            "The supplier's bidders: `value` is validated exactly like the bid's answer to "
            "the same criterion (400 otherwise, nothing stored), `statement` a text. A new "
            "answer replaces the earlier one until the review; 409 once reviewed. Audited."
        ),
        request=CheckAnswerInputSerializer,
        responses={200: ContractCheckSerializer, **problems(*WRITE, 409)},
        examples=[
            OpenApiExample(
                "Share of organic eggs",
                value={"value": "82", "statement": "Delivery notes January-March attached."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        check = self.get_object()
        serializer = CheckAnswerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.answer_check(
            check=check,
            actor=request.user,
            value=serializer.validated_data["value"],
            statement=serializer.validated_data["statement"],
        )
        return self._out(check)

    @extend_schema(
        summary="Add evidence to a check",
        description=(
            "The supplier's bidders: multipart/form-data with `file`; the same rules as bid "
            "documents (413 over the size limit, 415 for a type outside the allowed list, "
            "judged by content and name). 409 once reviewed. Audited. The buyer and the "
            "supplier read it at the Location."
        ),
        request={"multipart/form-data": ContractCheckDocumentUploadSerializer},
        responses={201: ContractCheckDocumentSerializer, **problems(*WRITE, 409, 413, 415)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        check = self.get_object()
        serializer = ContractCheckDocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        doc = services.add_check_document(
            check=check, actor=request.user, uploaded=serializer.validated_data["file"]
        )
        return _created(
            ContractCheckDocumentSerializer(doc).data,
            reverse("check-document-download", args=[check.pk, doc.pk]),
        )

    @extend_schema(
        parameters=[_id_param("doc_pk", "The document's id")],
        summary="Download a check's evidence",
        description=(
            "The stored file, byte for byte, with `Repr-Digest` (its SHA-256). The buyer's "
            "readers and the supplier's bidders."
        ),
        responses={**download_responses("The file", DOCUMENT_MEDIA_TYPES), **problems(*READ)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<doc_pk>[^/.]+)/download",
        url_name="document-download",
        content_negotiation_class=DownloadNegotiation,
    )
    def download_document(self, request, pk=None, doc_pk=None):
        check = self.get_object()
        doc = get_object_or_404(selectors.check_documents(check), pk=doc_pk)
        return file_response(doc, request)

    @extend_schema(
        summary="Review a check",
        description=(
            "Officers, once (409 the second time): `met`, or `deviation` with a `note` that "
            "describes it; a deviation opens one (`severity`, default minor; optional "
            "`remedy_due_on` and `sanction` in the contract's currency). Audited "
            "(`contract.deviation_opened`, a webhook event)."
        ),
        request=CheckReviewInputSerializer,
        responses={200: ContractCheckSerializer, **problems(*WRITE, 409)},
        examples=[
            OpenApiExample(
                "Met", value={"outcome": "met", "note": "Notes agree."}, request_only=True
            ),
            OpenApiExample(
                "A deviation",
                value={
                    "outcome": "deviation",
                    "note": "Only 61 % organic eggs in March.",
                    "severity": "major",
                    "remedy_due_on": "2027-06-30",
                    "sanction": {"amount": "25000.00", "currency": "SEK"},
                },
                request_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        check = self.get_object()
        serializer = CheckReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.review_check(
            check=check,
            actor=request.user,
            outcome=data["outcome"],
            note=data["note"],
            severity=data["severity"],
            remedy_due_on=data["remedy_due_on"],
            sanction=_sanction(data["sanction"]),
        )
        return self._out(check)


@extend_schema(tags=["contracts"], parameters=[_id_param("id", "The deviation's id")])
class DeviationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DeviationSerializer
    permission_classes = [RolePermission]
    write_actions = {"partial_update": Action.CONTRACT_MANAGE, "close": Action.CONTRACT_MANAGE}
    filter_backends: list = []
    pagination_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Deviation.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deviation.objects.none()
        return selectors.deviations_for(self.request.user)

    def _out(self, deviation) -> Response:
        response = Response(DeviationSerializer(deviation).data)
        response["ETag"] = etag_for(deviation)
        return response

    @extend_schema(
        summary="Read a deviation",
        description="The buyer's readers and the supplier's bidders.",
        responses={200: DeviationSerializer, **problems(*READ)},
    )
    def retrieve(self, request, *args, **kwargs):
        return self._out(self.get_object())

    @extend_schema(
        summary="Change an open deviation",
        description=(
            "Officers: `severity`, `description`, `remedy_due_on` (from today), `sanction` "
            "(money in the contract's currency, or null). Send the ETag you read as `If-Match` "
            "(412 when stale); 409 once closed. Audited."
        ),
        request=DeviationUpdateSerializer,
        responses={200: DeviationSerializer, **problems(*WRITE, 409, 412)},
        examples=[
            OpenApiExample(
                "A contractual penalty",
                value={"severity": "major", "sanction": {"amount": "25000.00", "currency": "SEK"}},
                request_only=True,
            )
        ],
    )
    def partial_update(self, request, pk=None):
        deviation = self.get_object()
        version = expected_version(request, deviation)
        serializer = DeviationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "sanction" in changes:
            changes["sanction"] = _sanction(changes["sanction"])
        deviation = services.update_deviation(
            deviation=deviation, actor=request.user, changes=changes, expected_version=version
        )
        return self._out(deviation)

    @extend_schema(
        summary="Close a deviation",
        description=(
            "Officers: `status` `remedied`, `accepted` or `terminated`, and a `note`; "
            "`terminated` ends the contract (its checks not yet requested are dropped). 409 "
            "once closed. Audited (`contract.deviation_closed`, a webhook event)."
        ),
        request=DeviationCloseInputSerializer,
        responses={200: DeviationSerializer, **problems(*WRITE, 409)},
        examples=[
            OpenApiExample(
                "Remedied",
                value={"status": "remedied", "note": "April deliveries 85 % organic."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        deviation = self.get_object()
        serializer = DeviationCloseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deviation = services.close_deviation(
            deviation=deviation,
            actor=request.user,
            status=serializer.validated_data["status"],
            note=serializer.validated_data["note"],
        )
        return self._out(deviation)
