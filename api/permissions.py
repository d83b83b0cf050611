"""Role checks per action. Which objects a user can reach is decided by selectors (404)."""

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from procurement.models import BUYER_ROLES, OFFICER_ROLES, SUPPLIER_ROLES

# The API's names for the role sets of procurement.models.
OFFICERS = OFFICER_ROLES
BUYER_READERS = BUYER_ROLES
BIDDERS = SUPPLIER_ROLES


class RolePermission(BasePermission):
    """Reads are open to authenticated members (scoped by selectors); each write action lists
    the roles that may call it in the view's ``write_roles``. A superuser without an
    organisation may only use actions listed in ``superuser_actions``."""

    message = gettext_lazy("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        method = request.method.lower()
        if method not in view.http_method_names or getattr(view, method, None) is None:
            # Not a method this resource has: DRF answers 405 (with Allow), not a denial.
            return True
        user = request.user
        if not user or not user.is_authenticated:
            return False
        # Viewsets name the action; a plain APIView has none and lists its roles under None.
        action = getattr(view, "action", None)
        if request.method in SAFE_METHODS and action not in getattr(view, "read_roles", {}):
            return True
        if user.is_superuser and action in getattr(view, "superuser_actions", ()):
            return True
        roles = {**getattr(view, "write_roles", {}), **getattr(view, "read_roles", {})}.get(action)
        return roles is not None and user.role in roles
