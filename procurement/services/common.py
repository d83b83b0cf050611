import uuid
from typing import Any

from django.utils.translation import gettext as _

from procurement.errors import NotAllowed, PreconditionFailed
from procurement.models import User


def require_role(
    actor: User, roles, *, organization_id=None, action: str | None = None
) -> uuid.UUID:
    """Raise NotAllowed unless the actor has one of ``roles`` in an organisation (in
    ``organization_id`` when given); return the actor's organisation id.

    ``action`` completes "Your role may not ...", translated by the caller: ``_("publish tenders")``.
    A role without an organisation (the model allows it, e.g. a superuser given a role) acts for
    nobody: refused like any other role.
    """
    if (
        actor.role not in roles
        or actor.organization_id is None
        or (organization_id is not None and actor.organization_id != organization_id)
    ):
        raise NotAllowed(
            _("Your role may not %(action)s.") % {"action": action or _("do this")},
            code="permission_denied",
        )
    return actor.organization_id


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
