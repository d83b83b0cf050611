"""The public OCDS feed (API.md, "Second wave"): no token, a rate per client address.

The releases and records are built and stored by ``publication`` (one release per lifecycle
milestone of a published tender); these views only read them. ETag and 304 come from
``api.conditional`` as for every GET of the API.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from api.filters import UtcIsoDateTimeField
from api.schema import problems
from procurement.errors import InvalidInput, NotFound, field_error
from publication import feed
from publication.ocds import EXTENSIONS


class PublicFeedThrottle(AnonRateThrottle):
    """Requests per client address (ANBUD_PUBLIC_OCDS_RATE, e.g. "120/minute"); 429 with
    Retry-After beyond it."""

    scope = "public_ocds"

    def get_rate(self) -> str:
        return settings.ANBUD_PUBLIC_OCDS_RATE


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[field_error(f"/{name}", "invalid", message)])


def _since(text: str | None) -> dt.datetime | None:
    if text in (None, ""):
        return None
    # A '+' in a query arrives as a space. The filters' UTC field reads it (a time without a
    # zone is UTC) and refuses offsets the database cannot take.
    try:
        when = UtcIsoDateTimeField(required=False).clean(text.replace(" ", "+"))
    except DjangoValidationError:
        when = None
    if when is None:
        raise _bad("since", _("A date and time in ISO 8601, e.g. 2027-01-31T12:00:00Z."))
    return when


def _page(text: str | None) -> int:
    if text in (None, ""):
        return 1
    if not str(text).isdigit() or int(text) < 1:
        raise _bad("page", _("A page number, 1 or more."))
    return int(text)


def _json(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="application/json")


EXAMPLE_RELEASE: dict[str, Any] = {
    "ocid": "ocds-anbud0-7f0c2a1e-3b9d-4c1e-9a51-2f7f8d0b6c11",
    "id": "ocds-anbud0-7f0c2a1e-3b9d-4c1e-9a51-2f7f8d0b6c11-12",
    "date": "2027-02-01T09:00:00Z",
    "tag": ["tender"],
    "initiationType": "tender",
    "language": "sv",
    "tender": {"id": "RK-2027-0042", "title": "Ägg till regionens kök", "status": "active"},
}
RELEASE_EXAMPLE: dict[str, Any] = {
    "uri": "https://anbud.example.se/api/v1/public/ocds/releases/?page=1",
    "version": "1.1",
    "extensions": EXTENSIONS,
    "publishedDate": "2027-02-01T09:00:00Z",
    "publisher": {"name": "Anbud", "uri": "https://anbud.example.se"},
    "license": "https://creativecommons.org/publicdomain/zero/1.0/",
    "releases": [EXAMPLE_RELEASE],
    "links": {"next": "https://anbud.example.se/api/v1/public/ocds/releases/?page=2"},
}


RECORD_EXAMPLE: dict[str, Any] = {
    "uri": "https://anbud.example.se/api/v1/public/ocds/records/ocds-anbud0-7f0c2a1e-3b9d-4c1e-9a51-2f7f8d0b6c11/",
    "version": "1.1",
    "publishedDate": "2027-03-10T14:00:00Z",
    "publisher": {"name": "Anbud", "uri": "https://anbud.example.se"},
    "records": [
        {
            "ocid": "ocds-anbud0-7f0c2a1e-3b9d-4c1e-9a51-2f7f8d0b6c11",
            "releases": [EXAMPLE_RELEASE],
            "compiledRelease": {
                **EXAMPLE_RELEASE,
                "id": "ocds-anbud0-7f0c2a1e-3b9d-4c1e-9a51-2f7f8d0b6c11-2027-02-01T09:00:00Z",
                "tag": ["compiled"],
            },
        }
    ],
}


class PublicReleasesView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicFeedThrottle]

    @extend_schema(
        operation_id="public_ocds_releases",
        summary="OCDS releases of everything public (public feed)",
        description=(
            "No token. One OCDS 1.1.5 release package of every public release, in the order "
            "they were published (oldest first): a tender when it is published (`tender`), each "
            "amendment (`tenderAmendment`), the opening's bid statistics and the completed "
            "evaluation (`tenderUpdate`), the award decision (`award`) and a cancellation "
            "(`tenderCancellation`). Drafts never appear, nor anything sealed. Each release is "
            "stored once and never changed.\n\n"
            "Incremental harvesting: pass the `publishedDate` of the last page you read as "
            "`since`; you get the releases published at or after it (some again: release ids "
            "are unique per ocid, so keep the last copy). Pages hold "
            "`ANBUD_OCDS_PAGE_SIZE` releases (100 by default); `links.next` is the next page, "
            "absent on the last. ETag and `If-None-Match` give 304 when nothing changed. "
            "Requests are limited per client address (`ANBUD_PUBLIC_OCDS_RATE`, 120 a minute "
            "by default): 429 with `Retry-After` beyond it. When nothing was published (since "
            "`since`), the first page has `releases: []` (OCDS's package schema asks for at least "
            "one release; read it as nothing new)."
        ),
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Only releases published at or after this time (ISO 8601)",
            ),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1"),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                {"$ref": "#/components/schemas/OcdsReleasePackage"},
                description="OCDS release package",
                examples=[OpenApiExample("A page of the feed", value=RELEASE_EXAMPLE)],
            ),
            **problems(400, 404, 429),
        },
    )
    def get(self, request):
        since = _since(request.query_params.get("since"))
        page = _page(request.query_params.get("page"))
        query = {"since": request.query_params.get("since", "")}
        package, found = feed.release_page(since, page, query)
        if not found:
            raise NotFound(_("There is no such page of the feed."))
        return _json(feed.render(package))


class PublicRecordView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicFeedThrottle]

    @extend_schema(
        operation_id="public_ocds_record",
        summary="The OCDS record of one tender (public)",
        description=(
            "No token. The OCDS 1.1.5 record package of one published tender: every release "
            "of it, oldest first, and the compiled release (the present state, merged with "
            "ocdsmerge by the standard's rules). 404 for an unknown ocid and for a tender never "
            "published. The same rate per client address as the feed."
        ),
        parameters=[
            OpenApiParameter(
                "ocid",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The Open Contracting ID: the OCDS prefix and the tender's id",
            )
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                {"$ref": "#/components/schemas/OcdsRecordPackage"},
                description="OCDS record package",
                examples=[OpenApiExample("One tender's record", value=RECORD_EXAMPLE)],
            ),
            **problems(400, 404, 429),
        },
    )
    def get(self, request, ocid):
        package = feed.record_package(ocid)
        if package is None:
            raise NotFound(_("No published tender has this ocid."))
        return _json(feed.render(package))
