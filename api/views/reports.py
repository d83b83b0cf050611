"""The policy follow-up: the report (JSON, CSV, XLSX), its targets, publishing a year, and the
published report for everyone (API.md, "Second wave")."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.etags import expected_version
from api.permissions import RolePermission
from api.schema import LIST, READ, WRITE, problems
from api.serializers.reports import (
    FollowUpReportSerializer,
    FollowUpTargetSerializer,
    PublishedReportSerializer,
    PublishInputSerializer,
)
from audit.exports import DELIMITERS, delimiter_for
from procurement import policy
from procurement.errors import InvalidInput, NotFound, field_error
from procurement.models import Organization
from procurement.policy import Action
from reports import selectors, services, spreadsheets
from reports.followup import Period, follow_up
from reports.models import FollowUpTarget

FORMATS = ("json", "csv", "xlsx")
YEAR = OpenApiParameter(
    "year", OpenApiTypes.INT, description="A calendar year (default: this year)"
)
REPORT_PARAMETERS = [
    YEAR,
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="First day of a period (with `to`, instead of `year`)",
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of the period (inclusive)"),
    OpenApiParameter(
        "compare",
        OpenApiTypes.INT,
        description="Another year: adds `comparison` with its figures and the change",
    ),
    OpenApiParameter(
        "explain",
        OpenApiTypes.BOOL,
        description="true: adds `explain`, the ids behind each figure",
    ),
    OpenApiParameter(
        "format", OpenApiTypes.STR, enum=list(FORMATS), description="json (default), csv or xlsx"
    ),
    OpenApiParameter(
        "delimiter",
        OpenApiTypes.STR,
        enum=list(DELIMITERS),
        description="CSV only: the separator (default `;` in Swedish, `,` otherwise)",
    ),
    OpenApiParameter(
        "organization",
        OpenApiTypes.UUID,
        description="The platform operator names the organisation; members get their own",
    ),
]


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[field_error(f"/{name}", "invalid", message)])


def _year(text: str | None, name: str) -> int | None:
    if text in (None, ""):
        return None
    try:
        year = int(text)
    except ValueError:
        raise _bad(name, _("A year, e.g. 2027.")) from None
    if not 2000 <= year <= 2100:
        raise _bad(name, _("A year between 2000 and 2100."))
    return year


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _bad(name, _("A date, e.g. 2027-03-31.")) from None


def _period(params) -> Period:
    if params.get("from") or params.get("to"):
        if params.get("year"):
            raise _bad("year", _("Give a year, or from and to; not both."))
        if not (params.get("from") and params.get("to")):
            raise _bad("to", _("A period needs both from and to."))
        period = Period(_date(params["from"], "from"), _date(params["to"], "to"))
        if period.end < period.start:
            raise _bad("to", _("The period ends before it starts."))
        if (period.end - period.start).days > 3660:
            raise _bad("to", _("A period of at most ten years."))
        return period
    return Period.year(_year(params.get("year"), "year") or timezone.localdate().year)


def _organization(request) -> Organization:
    """The member's own organisation; the operator names one (404 when there is none)."""
    named = request.query_params.get("organization")
    if policy.is_operator(request.user):
        if not named:
            raise _bad("organization", _("Name the organisation (?organization=<id>)."))
        organization = selectors.buyer_organization(named)
    else:
        organization = request.user.organization
        if named and str(organization.pk) != named:
            organization = None
    if organization is None:
        raise NotFound(_("Not found."))
    policy.require(request.user, Action.FOLLOW_UP_READ, organization_id=organization.pk)
    return organization


class FollowUpReportView(APIView):
    permission_classes = [RolePermission]
    read_actions = {None: Action.FOLLOW_UP_READ}

    def perform_content_negotiation(self, request, force=False):
        # `?format=` is the report's own parameter (json, csv, xlsx), not DRF's renderer
        # override: errors and JSON are JSON; the view makes the files itself.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        operation_id="reports_follow_up",
        summary="The policy follow-up report",
        description=(
            "How far the organisation's purchasing reaches its sustainability and small-supplier "
            "goals in a calendar year (`year`) or a period (`from`, `to`): tenders, the "
            "sustainability categories, bids by SME class, awards and their SME and non-profit "
            "shares, and the organisation's targets with actual and met. Exact decimal shares "
            "(4 places, half up; null for a share of nothing), reproducible; `explain=true` adds "
            "the ids behind each figure, `compare=YEAR` another year and the change. "
            "`format=csv` or `xlsx` for a spreadsheet. Buyer-side roles of the organisation; "
            "the platform operator names `organization`."
        ),
        parameters=REPORT_PARAMETERS,
        responses={
            (200, "application/json"): FollowUpReportSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8 with BOM"),
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX"),
            **problems(*READ, 403),
        },
    )
    def get(self, request):
        params = request.query_params
        file_format = params.get("format") or "json"
        if file_format not in FORMATS:
            raise _bad("format", _("Choose one of %(formats)s.") % {"formats": ", ".join(FORMATS)})
        delimiter = params.get("delimiter") or None
        if delimiter is not None and delimiter not in DELIMITERS:
            raise _bad(
                "delimiter",
                _("Choose one of %(formats)s.") % {"formats": ", ".join(DELIMITERS)},
            )
        explain = (params.get("explain") or "false").lower()
        if explain not in ("true", "false", "1", "0"):
            raise _bad("explain", _("true or false."))
        period = _period(params)
        compare = _year(params.get("compare"), "compare")
        organization = _organization(request)
        report = follow_up(organization, period, explain=explain in ("true", "1"))
        if compare is not None:
            report["comparison"] = comparison(report, follow_up(organization, Period.year(compare)))
        name = f"follow-up-{period.start.isoformat()}-{period.end.isoformat()}"
        if file_format == "csv":
            separator = delimiter_for(translation.get_language(), delimiter)
            response = HttpResponse(
                spreadsheets.csv_text(report, separator), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        if file_format == "xlsx":
            response = HttpResponse(
                spreadsheets.xlsx_bytes(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
        return Response(report)


def comparison(report: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Another period's figures and the change (this minus that) of every count and share."""

    def change(mine: Any, theirs: Any) -> Any:
        if isinstance(mine, dict) and isinstance(theirs, dict):
            return {k: change(v, theirs.get(k)) for k, v in mine.items() if k not in ("currency",)}
        if isinstance(mine, bool) or isinstance(theirs, bool):
            return None
        if isinstance(mine, int) and isinstance(theirs, int):
            return mine - theirs
        if isinstance(mine, str) and isinstance(theirs, str):
            try:
                return format(Decimal(mine) - Decimal(theirs), "f")
            except ArithmeticError:
                return None
        return None

    figures = {
        k: other[k] for k in ("period", "tenders", "categories", "bids", "awards", "contracts")
    }
    return {
        "period": other["period"],
        "figures": figures,
        "change": {
            k: change(report[k], other[k])
            for k in ("tenders", "categories", "bids", "awards", "contracts")
        },
    }


class PublishFollowUpView(APIView):
    permission_classes = [RolePermission]
    write_actions = {None: Action.FOLLOW_UP_PUBLISH}

    @extend_schema(
        operation_id="reports_follow_up_publish",
        summary="Publish a year's follow-up report",
        description=(
            "Freezes the year's report: the JSON is stored with its SHA-256, audited and never "
            "changed. It is then public without a token at the returned `url`. Publishing the "
            "same year again is a correction: a new version that names the one it replaces, "
            "and needs a `note` saying what it corrects (409 without one). Only aggregated "
            "figures over published and awarded tenders: nothing sealed, nothing personal."
        ),
        request=PublishInputSerializer,
        responses={201: PublishedReportSerializer, **problems(*WRITE, 409)},
        examples=[OpenApiExample("Publish 2026", value={"year": 2026}, request_only=True)],
    )
    def post(self, request):
        serializer = PublishInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        published = services.publish_report(
            actor=request.user,
            organization=request.user.organization,
            year=serializer.validated_data["year"],
            note=serializer.validated_data["note"],
        )
        body = published_body(published)
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = body["url"]
        return response


def published_body(published) -> dict[str, Any]:
    return {
        "organization": {"id": str(published.organization_id), "name": published.organization.name},
        "year": published.year,
        "version": published.version,
        "sha256": published.sha256,
        "published_at": published.published_at.astimezone(dt.UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "replaces": published.replaces.version if published.replaces_id else None,
        "note": published.note,
        "url": reverse("public-follow-up", args=[published.organization_id, published.year]),
        "report": json.loads(published.report_json),
    }


class PublicFollowUpView(APIView):
    """Everyone's: no token, no session needed."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="public_follow_up",
        summary="A published follow-up report (public)",
        description=(
            "The organisation's published report of the year, as published (its newest "
            "version; `?version=` an earlier one), with its SHA-256 over the stored bytes. No "
            "token. The printable page for people is at /follow-up/{organization}/{year}/."
        ),
        parameters=[
            OpenApiParameter("version", OpenApiTypes.INT, description="An earlier version"),
        ],
        responses={200: PublishedReportSerializer, **problems(400, 404)},
    )
    def get(self, request, organization, year):
        version = request.query_params.get("version")
        if version not in (None, "") and not str(version).isdigit():
            raise _bad("version", _("A version number, e.g. 1."))
        published = selectors.published_report(
            organization, year, int(version) if version else None
        )
        if published is None:
            raise NotFound(_("No report of that year is published."))
        return Response(published_body(published))


@extend_schema(
    parameters=[
        OpenApiParameter(
            "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The target's id"
        )
    ]
)
class FollowUpTargetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = FollowUpTargetSerializer
    permission_classes = [RolePermission]
    read_actions = {"list": Action.FOLLOW_UP_READ, "retrieve": Action.FOLLOW_UP_READ}
    write_actions = {
        "create": Action.FOLLOW_UP_TARGETS,
        "partial_update": Action.FOLLOW_UP_TARGETS,
        "destroy": Action.FOLLOW_UP_TARGETS,
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = FollowUpTarget.objects.none()
    filterset_fields = ["year", "metric"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUpTarget.objects.none()
        return selectors.targets_for(self.request.user)

    @extend_schema(
        summary="The organisation's follow-up targets",
        description="Its own goals per year; the report measures each (`actual`, `met`).",
        responses={200: FollowUpTargetSerializer(many=True), **problems(*LIST, 403)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Read a follow-up target",
        description="Returns an `ETag`; send it as `If-Match` with PATCH.",
        responses={200: FollowUpTargetSerializer, **problems(*READ, 403)},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Add a follow-up target",
        description=(
            "`metric`: category_share and award_weight_share (with a `category`), "
            "sme_award_share, non_profit_award_share, single_bid_share (a ceiling: met when at "
            "or below). `target` is a share between 0 and 1. One target per year, metric and "
            "category. Audited."
        ),
        request=FollowUpTargetSerializer,
        responses={201: FollowUpTargetSerializer, **problems(*WRITE)},
        examples=[
            OpenApiExample(
                "Animal welfare in 80 % of the tenders",
                value={
                    "year": 2027,
                    "metric": "category_share",
                    "category": "animal_welfare",
                    "target": "0.80",
                    "note": "Regionplan 2027",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request):
        serializer = FollowUpTargetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.create_target(
            actor=request.user,
            organization=request.user.organization,
            **serializer.validated_data,
        )
        return Response(FollowUpTargetSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a follow-up target",
        description="Send the ETag you read as `If-Match` (412 when stale). Audited.",
        request=FollowUpTargetSerializer(partial=True),
        responses={200: FollowUpTargetSerializer, **problems(*WRITE, 412)},
    )
    def partial_update(self, request, pk=None):
        target = self.get_object()
        version = expected_version(request, target)
        serializer = FollowUpTargetSerializer(target, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        target = services.update_target(
            target=target,
            actor=request.user,
            changes=dict(serializer.validated_data),
            expected_version=version,
        )
        return Response(FollowUpTargetSerializer(target).data)

    @extend_schema(
        summary="Remove a follow-up target",
        description="Audited; the published reports keep the targets they were published with.",
        responses={204: None, **problems(*WRITE)},
    )
    def destroy(self, request, pk=None):
        services.delete_target(target=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
