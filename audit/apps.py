from django.apps import AppConfig
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils.translation import gettext_lazy as _


def _record_failed_login(sender, credentials, request=None, **kwargs):
    """Failed logins anywhere else (the token endpoint, the admin login and the browsable
    API's login share the limits on failed logins and record their own, in bulk).

    Django reports a failed login only through this signal; the record itself is made by the
    same ``record`` function that services use.
    """
    from audit.services import record  # noqa: PLC0415 - models load after the app registry

    path = getattr(request, "path", "") or ""
    if path.startswith(("/api/v1/auth/token/", "/admin/login/", "/api-auth/login/")):
        return
    with transaction.atomic():
        record(
            action="auth.login_failed",
            object_type="user",
            data={"username": str(credentials.get("username", ""))[:150], "path": path[:200]},
            system="auth",
        )


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        user_login_failed.connect(_record_failed_login, dispatch_uid="anbud_audit_login_failed")
