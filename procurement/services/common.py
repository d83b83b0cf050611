from typing import Any

from django.utils.translation import gettext as _

from procurement.errors import PreconditionFailed


def check_version(obj: Any, expected_version: int | None) -> None:
    """Optimistic locking: two officers cannot silently overwrite each other (If-Match)."""
    if expected_version is not None and expected_version != obj.version:
        raise PreconditionFailed(
            _(
                "The object was changed by someone else since you read it; read it again and "
                "re-apply your change."
            ),
            current_version=obj.version,
        )


def changed_fields(obj: Any, changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    diff = {}
    for name, new in changes.items():
        old = getattr(obj, name)
        if old != new:
            diff[name] = {"from": old, "to": new}
    return diff
