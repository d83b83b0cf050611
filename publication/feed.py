"""The public feed's reads: release packages and record packages (API.md, "Second wave").

Only stored releases are public, and a release is only ever stored for a tender that was
published (publication.services), so a draft is never here. Packages are JSON text with exact
numbers (publication.exactjson).
"""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet

from procurement.models import Tender
from publication import exactjson
from publication.models import Record, Release
from publication.ocds import absolute, package_metadata
from publication.services import current_release

FEED_PATH = "/api/v1/public/ocds/releases/"


def record_path(ocid: str) -> str:
    return f"/api/v1/public/ocds/records/{ocid}/"


def releases(since: dt.datetime | None = None) -> QuerySet[Release]:
    """Every public release in the order it was published, oldest first; ``since``: those
    published at or after it (the time Anbud stored it: the release's date, or later when
    the sweep published it late)."""
    found = Release.objects.order_by("created_at", "id")
    if since is not None:
        found = found.filter(created_at__gte=since)
    return found


def release_page(
    since: dt.datetime | None, page: int, query: dict[str, str]
) -> tuple[dict[str, Any], bool]:
    """One page of the feed as a release package; and whether the page exists."""
    size = settings.ANBUD_OCDS_PAGE_SIZE
    found = releases(since)
    start = (page - 1) * size
    rows = list(found[start : start + size + 1])
    if page > 1 and not rows:
        return {}, False
    more = len(rows) > size
    rows = rows[:size]

    def link(number: int) -> str:
        params = {k: v for k, v in {**query, "page": str(number)}.items() if v}
        return absolute(f"{FEED_PATH}?{urlencode(params)}")

    published = max((r.created_at for r in rows), default=None)
    package = package_metadata(link(page), published or dt.datetime.now(dt.UTC))
    package["releases"] = [exactjson.loads(r.release_json) for r in rows]
    links = {}
    if more:
        links["next"] = link(page + 1)
    if page > 1:
        links["prev"] = link(page - 1)
    if links:
        package["links"] = links
    return package, True


def record_package(ocid: str) -> dict[str, Any] | None:
    """The record package of one tender (all its releases and the compiled release)."""
    record = Record.objects.filter(ocid=ocid).first()
    if record is None:
        return None
    stored = list(record.releases.order_by("date", "id"))
    if not stored:
        return None
    package = package_metadata(record_path(ocid), record.updated_at)
    package["records"] = [
        {
            "ocid": ocid,
            "releases": [exactjson.loads(r.release_json) for r in stored],
            "compiledRelease": exactjson.loads(record.compiled_json),
        }
    ]
    return package


def tender_package(tender: Tender) -> dict[str, Any]:
    """The tender's release of the present stage as a release package, built afresh for its
    own staff (GET /tenders/{id}/ocds/; a draft as ``planning``)."""
    package = package_metadata(f"/api/v1/tenders/{tender.pk}/ocds/", tender.updated_at)
    package["releases"] = [current_release(tender)]
    return package


def render(package: dict[str, Any]) -> str:
    return exactjson.dumps(package)
