"""ETag on detail responses and If-Match on updates (412 when stale)."""

import re

from django.utils.translation import gettext as _

from procurement.errors import PreconditionFailed

# "<id>-<version>", optionally with the body hash that api.conditional appends to GET answers.
# Strong comparison (RFC 9110, 13.1.1): a weak tag (W/"...") never matches If-Match.
_ETAG = re.compile(r'^"(?P<tag>[0-9a-f]{8})-(?P<version>\d+)(?:-[0-9a-f]{16})?"$')


def etag_for(obj, version: int | None = None) -> str:
    """``version`` for objects versioned by their parent (a tender criterion: the tender's)."""
    return f'"{obj.pk.hex[:8]}-{obj.version if version is None else version}"'


def expected_version(request, obj, current: int | None = None) -> int | None:
    """The version the client last read, from If-Match; None when it did not send one."""
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    match = _ETAG.match(header.strip())
    if not match or match["tag"] != obj.pk.hex[:8]:
        raise PreconditionFailed(
            _("If-Match does not match this object's ETag; read it again (GET) and use its ETag."),
            current_version=obj.version if current is None else current,
        )
    return int(match["version"])
