"""The API asks the policy (``procurement.policy``) whether a role may call an action. Which
objects a user can reach is decided by selectors (404); whether the object's organisation and
state allow it, by the service the view calls (403, 409), which asks the same policy."""

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from procurement import policy


class RolePermission(BasePermission):
    """Reads are open to authenticated members (scoped by selectors), except the reads a view
    names in ``read_actions``; each write names its policy action in ``write_actions`` (by the
    viewset's action, or ``None`` for a plain APIView). A write the view does not name is
    refused."""

    message = gettext_lazy("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        method = request.method.lower()
        if method not in view.http_method_names or getattr(view, method, None) is None:
            # Not a method this resource has: DRF answers 405 (with Allow), not a denial.
            return True
        user = request.user
        if not user or not user.is_authenticated:
            return False
        name = getattr(view, "action", None)
        reads = getattr(view, "read_actions", {})
        if request.method in SAFE_METHODS and name not in reads:
            return True
        action = {**getattr(view, "write_actions", {}), **reads}.get(name)
        return action is not None and policy.may(user, action)
