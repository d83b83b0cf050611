"""CPV codes (Common Procurement Vocabulary): the one check the API and the admin share."""

import re

from django.utils.translation import gettext as _

CPV_RE = re.compile(r"^\d{8}(-\d)?$")


def cpv_code_error(code: str) -> str | None:
    """None for a well-formed code (8 digits, optionally -check digit), else the message."""
    if CPV_RE.match(code):
        return None
    return _("'%(code)s' is not a CPV code (8 digits, optionally -check digit).") % {"code": code}
