import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.response import Response

from api.etags import etag_for, expected_version
from api.filters import (
    CollectionFilterBackend,
    CollectionOrderingFilter,
    CollectionSearchFilter,
    updated_since_filter,
)
from api.permissions import RolePermission
from api.schema import LIST, READ, WRITE, problems
from api.serializers.criteria import (
    CopySerializer,
    CriterionInputSerializer,
    CriterionSerializer,
    TenderCriterionInputSerializer,
    TenderCriterionSerializer,
    TenderCriterionUpdateSerializer,
)
from api.views.tenders import TENDER_PK, TenderChildMixin
from criteria import selectors, services
from criteria.models import Category, Criterion, Kind, Level, TenderCriterion
from procurement.models import Lot, Tender
from procurement.policy import Action


class CriterionFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    updated_since = updated_since_filter()
    rule_type = django_filters.ChoiceFilter(
        field_name="rule__type",
        choices=[(t, t) for t in ("boolean", "linear", "thresholds", "choice", "manual")],
        help_text="The rule's type",
    )
    shared = django_filters.BooleanFilter(
        field_name="organization",
        lookup_expr="isnull",
        help_text="true: the shared library; false: your own",
    )
    lang = django_filters.ChoiceFilter(
        choices=[("sv", "Swedish"), ("en", "English")],
        method="filter_lang",
        help_text=(
            "Only criteria with texts in this language; like `lang` everywhere, it is also the "
            "language of the texts the API writes"
        ),
    )

    class Meta:
        model = Criterion
        fields = ["category", "level", "kind", "rule_type", "shared", "lang"]

    def filter_lang(self, queryset, name, value):
        return queryset.exclude(title_en="") if value == "en" else queryset.exclude(title="")


@extend_schema_view(
    list=extend_schema(
        summary="Browse the criteria library",
        description=(
            "The shared sustainability library (read-only) and your organisation's own criteria. "
            "Filter by category, level, kind, rule_type, shared, lang; `search` looks in code, titles and descriptions."
        ),
        responses={200: CriterionSerializer(many=True), **problems(*LIST)},
    ),
)
class CriterionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    cached_reads = frozenset({"list", "retrieve"})  # api.readcache
    serializer_class = CriterionSerializer
    permission_classes = [RolePermission]
    write_actions = {
        "create": Action.CRITERION_ADD,
        "partial_update": Action.CRITERION_CHANGE,
        "destroy": Action.CRITERION_CHANGE,
        "copy": Action.CRITERION_COPY,
    }
    filterset_class = CriterionFilter
    filter_backends = [CollectionFilterBackend, CollectionSearchFilter, CollectionOrderingFilter]
    search_fields = ["code", "title", "title_en", "description", "description_en"]
    ordering_fields = ["code", "category", "level", "created_at", "updated_at"]
    ordering = ["code"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.criteria_for(self.request.user)

    def _out(self, criterion, code=status.HTTP_200_OK):
        response = Response(CriterionSerializer(criterion).data, status=code)
        response["ETag"] = etag_for(criterion)
        return response

    @extend_schema(
        summary="Read a criterion",
        description="A criterion of the shared library (read-only for everyone) or of your organisation's own library.",
        responses={200: CriterionSerializer, **problems(*READ)},
    )
    def retrieve(self, request, pk=None):
        return self._out(self.get_object())

    @extend_schema(
        summary="Add a criterion to your library",
        description="Every invalid rule is a 400 naming each bad field by JSON Pointer, e.g. `/rule/steps/1/fulfilment`.",
        request=CriterionInputSerializer,
        responses={201: CriterionSerializer, **problems(400, 401, 403)},
    )
    def create(self, request):
        serializer = CriterionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        criterion = services.create_criterion(actor=request.user, **serializer.validated_data)
        return self._out(criterion, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change your criterion (a new version)",
        description="Shared criteria are read-only (403: copy them). Tenders keep their frozen copies. `If-Match` -> 412 when stale.",
        request=CriterionInputSerializer(partial=True),
        responses={200: CriterionSerializer, **problems(*WRITE, 412)},
    )
    def partial_update(self, request, pk=None):
        criterion = self.get_object()
        version = expected_version(request, criterion)
        serializer = CriterionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        criterion = services.update_criterion(
            criterion=criterion,
            actor=request.user,
            changes=dict(serializer.validated_data),
            expected_version=version,
        )
        return self._out(criterion)

    @extend_schema(
        summary="Delete your criterion",
        description="Only your organisation's own criteria (the shared library is read-only: 403). Tenders keep their frozen copies, so deleting never changes a tender.",
        responses={204: None, **problems(*WRITE)},
    )
    def destroy(self, request, pk=None):
        services.delete_criterion(criterion=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Copy a criterion into your library",
        description="Copy and adapt: the copy remembers its origin and the version it was copied from.",
        request=CopySerializer,
        responses={201: CriterionSerializer, **problems(*WRITE)},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        serializer = CopySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        copy = services.copy_criterion(
            criterion=self.get_object(),
            actor=request.user,
            code=serializer.validated_data.get("code"),
        )
        response = self._out(copy, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/criteria/{copy.pk}/"  # the copy, not under /copy/
        return response


@extend_schema(
    parameters=[
        TENDER_PK,
        OpenApiParameter(
            "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The tender criterion's id"
        ),
    ]
)
@extend_schema_view(
    list=extend_schema(
        summary="List a tender's criteria",
        description="Frozen copies with weight, value or percent. Suppliers see them once the tender is published.",
        responses={200: TenderCriterionSerializer(many=True), **problems(*LIST)},
    ),
    retrieve=extend_schema(
        summary="Read a tender criterion",
        description="The criterion as frozen on the tender: its text, rule, weight, value or percent, and the library criterion and version it came from. Its ETag follows the tender's configuration version: send it as If-Match with a change (412 when stale).",
        responses={200: TenderCriterionSerializer, **problems(*READ)},
    ),
)
class TenderCriterionViewSet(
    TenderChildMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = TenderCriterionSerializer
    cached_reads = frozenset({"list", "retrieve"})  # api.readcache
    permission_classes = [RolePermission]
    write_actions = {
        "create": Action.CRITERIA_ATTACH,
        "partial_update": Action.CRITERIA_CHANGE,
        "destroy": Action.CRITERIA_REMOVE,
    }
    queryset = TenderCriterion.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TenderCriterion.objects.none()
        return selectors.tender_criteria_for(self.request.user, self.get_tender())

    def _lot(self, lot_id):
        if not lot_id:
            return None
        return get_object_or_404(Lot, pk=lot_id, tender=self.get_tender())

    @extend_schema(
        summary="Attach a criterion to a draft tender",
        description=(
            "`criterion` (a library id) or an inline `definition`; `lot` limits it to one lot; `weight` "
            "for weighted_points and value_for_money, `value` (money) for added_value and lowest_cost, "
            "`percent` for percent_surcharge; requirements take none. 409 once published (use amend)."
        ),
        request=TenderCriterionInputSerializer,
        responses={201: TenderCriterionSerializer, **problems(*WRITE, 409)},
    )
    def create(self, request, tender_pk=None):
        tender = self.get_tender()
        serializer = TenderCriterionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        criterion = None
        if data.get("criterion"):
            criterion = get_object_or_404(
                selectors.criteria_for(request.user), pk=data["criterion"]
            )
        tc = services.attach_criterion(
            tender=tender,
            actor=request.user,
            criterion=criterion,
            definition=dict(data["definition"]) if data.get("definition") else None,
            lot=self._lot(data.get("lot")),
            weight=data.get("weight"),
            value=data.get("value"),
            percent=data.get("percent"),
        )
        return Response(TenderCriterionSerializer(tc).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change weight, value, percent or lot (draft only)",
        description="While the tender is a draft. Once published the configuration is frozen (409): change it by a reasoned amendment. Amounts beyond what can be stored are a 400 naming the field.",
        request=TenderCriterionUpdateSerializer,
        responses={200: TenderCriterionSerializer, **problems(*WRITE, 409, 412)},
    )
    def partial_update(self, request, tender_pk=None, pk=None):
        tc = self.get_object()
        version = expected_version(request, tc, current=self.get_tender().version)
        serializer = TenderCriterionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "lot" in changes:
            changes["lot"] = self._lot(changes["lot"])
        tc = services.update_tender_criterion(
            tc=tc, actor=request.user, changes=changes, expected_version=version
        )
        return self._out(tc)

    def retrieve(self, request, tender_pk=None, pk=None):
        return self._out(self.get_object())

    def _out(self, tc):
        response = Response(TenderCriterionSerializer(tc).data)
        version = Tender.objects.values_list("version", flat=True).get(pk=tc.tender_id)
        response["ETag"] = etag_for(tc, version)
        return response

    @extend_schema(
        summary="Remove a criterion from a draft tender",
        description="While the tender is a draft (409 afterwards); audited.",
        responses={204: None, **problems(*WRITE, 409)},
    )
    def destroy(self, request, tender_pk=None, pk=None):
        services.detach_criterion(tc=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
