"""API tokens: issued per login, revoked by logout, logout-everywhere or a password change;
named integration tokens that an admin creates and revokes. Every change is audited."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.errors import InvalidInput, NotAllowed, field_error
from procurement.models import ApiToken, User
from procurement.policy import Action


def _ttl() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ANBUD_TOKEN_TTL_SECONDS)


@transaction.atomic
def issue_login_token(*, user: User, client_address: str = "") -> tuple[ApiToken, str]:
    """A new token for this login; earlier tokens of the user stay valid until they expire."""
    token, raw = ApiToken.objects.create(
        user=user, expiry=_ttl(), kind=ApiToken.Kind.LOGIN, client_address=client_address[:64]
    )
    record(
        action="auth.token_issued",
        actor=user,
        object_type="token",
        object_id=token.public_id,
        data={"kind": token.kind, "expires_at": token.expiry},
    )
    return token, raw


def _revoke(token: ApiToken, actor: User, **data) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()
    record(
        action="auth.token_revoked",
        actor=actor,
        object_type="token",
        object_id=token.public_id,
        organization_id=token.user.organization_id,
        data={"kind": token.kind, "user": str(token.user_id), **data},
    )


@transaction.atomic
def revoke_token(*, token: ApiToken, actor: User) -> None:
    _revoke(token, actor, reason="logout")


@transaction.atomic
def revoke_all_tokens(*, user: User, actor: User | None, reason: str) -> int:
    """Every token of the user (logout everywhere, a password change)."""
    count, _deleted = ApiToken.objects.filter(user=user).delete()
    if count:
        record(
            action="auth.tokens_revoked",
            actor=actor,
            object_type="user",
            object_id=user.pk,
            organization_id=user.organization_id,
            data={"count": count, "reason": reason},
            system="auth" if actor is None else "",
        )
    return count


def _may_manage_tokens_of(actor: User, user: User) -> bool:
    return policy.may(actor, Action.TOKENS_MANAGE, organization_id=user.organization_id)


@transaction.atomic
def issue_integration_token(
    *, actor: User, user: User, name: str, expires_in_days: int | None = 365
) -> tuple[ApiToken, str]:
    """A named, long-lived token for a system that acts as ``user`` (an admin's decision)."""
    if not _may_manage_tokens_of(actor, user):
        raise NotAllowed(_("Only a platform operator or the organisation's admin may do this."))
    name = (name or "").strip()
    errors = []
    if not name:
        errors.append(field_error("/name", "required", _("Name the integration.")))
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        errors.append(
            field_error(
                "/expires_in_days",
                "out_of_range",
                _("Between 1 and 3650 days, or none for no expiry."),
            )
        )
    if errors:
        raise InvalidInput(_("The integration token cannot be created."), errors=errors)
    expiry = datetime.timedelta(days=expires_in_days) if expires_in_days else None
    token, raw = ApiToken.objects.create(
        user=user, expiry=expiry, kind=ApiToken.Kind.INTEGRATION, name=name, created_by=actor
    )
    record(
        action="auth.integration_token_created",
        actor=actor,
        object_type="token",
        object_id=token.public_id,
        organization_id=user.organization_id,
        data={"name": name, "user": str(user.pk), "expires_at": token.expiry},
    )
    return token, raw


@transaction.atomic
def revoke_integration_token(*, actor: User, token: ApiToken) -> None:
    if not _may_manage_tokens_of(actor, token.user):
        raise NotAllowed(_("Only a platform operator or the organisation's admin may do this."))
    _revoke(token, actor, name=token.name)


def purge_expired_tokens() -> int:
    """Delete expired token rows (they are refused already; this keeps the table small)."""
    count, _deleted = ApiToken.objects.filter(expiry__lte=timezone.now()).delete()
    return count
