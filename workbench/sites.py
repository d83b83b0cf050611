"""Anbud's admin site: who may enter follows from the membership, not from a flag.

A member on the buyer side (admin, officer, evaluator, auditor of an organisation) may log
in with their own account; what they then see and do follows from their role (see
procurement/admin.py). Bidders work through the API and the platform operator is a
superuser. The ``is_staff`` flag is not needed, and a staff flag alone does not let a bidder
in.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit import context
from procurement import policy
from procurement.models import Role
from procurement.policy import Action
from procurement.services import logins
from workbench.desk import desk_for
from workbench.followup import FollowUpPages


def may_enter(user) -> bool:
    return policy.may_use_workbench(user)


class LimitedLoginMixin:
    """The same limits on failed logins as the API's token endpoint (shared counters), for a
    Django login form: a waiting username or address is refused before any password is
    hashed, and failures are counted and audited in bulk (``procurement.services.logins``)."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        client = context.current().client_address
        try:
            attempt = logins.begin(username, client)
        except logins.LoginWaiting as waiting:
            raise ValidationError(
                _(
                    "Too many failed logins for this username or from this address. "
                    "Try again in %(seconds)s seconds."
                ),
                code="throttled",
                params={"seconds": waiting.wait},
            ) from None
        try:
            cleaned = super().clean()
        except ValidationError:
            attempt.failed(path=getattr(self.request, "path", ""))
            raise
        except BaseException:
            attempt.succeeded()  # not a wrong password: give the place back
            raise
        attempt.succeeded()
        return cleaned


class LimitedLoginForm(LimitedLoginMixin, AuthenticationForm):
    """The browsable API's login page (/api-auth/login/): any member, with the limits."""


class MemberAuthenticationForm(LimitedLoginMixin, AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct username and password of a buyer-side account. Both "
            "fields may be case-sensitive. Suppliers use the API."
        ),
    }

    def confirm_login_allowed(self, user):
        if not may_enter(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


# The model lists each buyer role keeps beside its desk (workbench/desk.py); the rest are done
# better by the workbench's own pages (the tender page, the scoring sheet, the result). The
# platform operator keeps every list.
LISTS_BY_ROLE = {
    Role.ADMIN: {
        "procurement.tender",
        "procurement.organization",
        "procurement.user",
        "procurement.apitoken",
        "criteria.criterion",
        "audit.auditevent",
        "webhooks.webhookendpoint",
        "webhooks.delivery",
    },
    Role.OFFICER: {
        "procurement.tender",
        "criteria.criterion",
        "audit.auditevent",
        "webhooks.webhookendpoint",
        "webhooks.delivery",
    },
    Role.EVALUATOR: {"procurement.tender"},
    Role.AUDITOR: {"procurement.tender", "scoring.evaluation", "audit.auditevent"},
}


class AnbudAdminSite(admin.AdminSite):
    site_header = "Anbud"
    site_title = "Anbud"
    index_title = _("Procurement workbench")
    index_template = "admin/anbud_index.html"
    login_form = MemberAuthenticationForm

    def has_permission(self, request):
        return may_enter(request.user)

    def get_app_list(self, request, app_label=None):
        found = super().get_app_list(request, app_label)
        role = getattr(request.user, "role", "")
        if policy.is_operator(request.user) or role not in LISTS_BY_ROLE:
            return found
        keep = LISTS_BY_ROLE[role]
        lists = []
        for app in found:
            models = [
                m for m in app["models"] if f"{app['app_label']}.{m['object_name'].lower()}" in keep
            ]
            if models:
                lists.append({**app, "models": models})
        return lists

    def get_urls(self):
        # The policy follow-up's pages (workbench/followup.py): /admin/follow-up/...
        return [*FollowUpPages(self).urls(), *super().get_urls()]

    def index(self, request, extra_context=None):
        context = {"desk": desk_for(request.user), "follow_up_url": follow_up_link(request.user)}
        return super().index(request, {**context, **(extra_context or {})})


# The roles whose start page links to the follow-up (evaluators may read it, by its address).
FOLLOW_UP_DESKS = frozenset({Role.ADMIN, Role.OFFICER, Role.AUDITOR})


def follow_up_link(user) -> str | None:
    if policy.is_operator(user) or (
        user.role in FOLLOW_UP_DESKS
        and policy.may(user, Action.FOLLOW_UP_READ, organization_id=user.organization_id)
    ):
        return reverse("admin:follow_up")
    return None
