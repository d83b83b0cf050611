from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy, usernames
from procurement.errors import InvalidInput, NotAllowed, field_error
from procurement.models import BUYER_ROLES, SUPPLIER_ROLES, Organization, Role, User
from procurement.policy import Action

ORG_FIELDS = (
    "name",
    "kind",
    "org_number",
    "country",
    "employees",
    "annual_turnover",
    "balance_sheet_total",
    "non_profit",
    "currency",
)


@transaction.atomic
def create_organization(*, actor: User, **fields) -> Organization:
    """Only the platform operator (a superuser) creates organisations."""
    if not policy.may(actor, Action.ORGANIZATION_CREATE):
        raise NotAllowed(_("Only a platform operator may create organisations."))
    org = Organization.objects.create(**{k: v for k, v in fields.items() if k in ORG_FIELDS})
    record(
        action="organization.created",
        actor=actor,
        obj=org,
        organization_id=org.pk,
        data={k: fields.get(k) for k in ORG_FIELDS if k in fields},
    )
    return org


@transaction.atomic
def update_organization(*, organization: Organization, actor: User, changes: dict) -> Organization:
    """Superusers, and the organisation's own admin, keep its facts up to date."""
    if not policy.may(actor, Action.ORGANIZATION_CHANGE, organization):
        raise NotAllowed(_("Your role may not change this organisation."))
    diff = {}
    for name, value in changes.items():
        # The opening quorum has its own audited service (opening.set_opening_quorum).
        if name not in ORG_FIELDS or name == "kind":
            continue
        if getattr(organization, name) != value:
            diff[name] = {"from": getattr(organization, name), "to": value}
            setattr(organization, name, value)
    if diff:
        organization.save()
        record(
            action="organization.updated",
            actor=actor,
            obj=organization,
            organization_id=organization.pk,
            data={"changes": diff},
        )
    return organization


@transaction.atomic
def add_member(
    *,
    organization: Organization,
    actor: User,
    username: str,
    password: str,
    email: str = "",
    role: str,
) -> User:
    """Superusers add anyone; an organisation's admin adds members to their own organisation.

    Buyer organisations have admin, officer, evaluator and auditor members; suppliers have
    bidders. Passwords are checked by Django's password validators.
    """
    if not policy.may(actor, Action.MEMBER_ADD, organization):
        raise NotAllowed(_("Only a platform operator or the organisation's admin may add members."))
    allowed = BUYER_ROLES if organization.kind == Organization.Kind.BUYER else SUPPLIER_ROLES
    if organization.kind == Organization.Kind.SUPPLIER and actor.role == Role.ADMIN:
        raise NotAllowed(_("Only a platform operator may add members to a supplier."))
    if role not in allowed:
        raise InvalidInput(
            (
                _("A buyer organisation's members may have the roles %(roles)s.")
                if organization.kind == Organization.Kind.BUYER
                else _("A supplier organisation's members may have the roles %(roles)s.")
            )
            % {"roles": ", ".join(sorted(allowed))},
            errors=[
                field_error(
                    "/role", "invalid_choice", _("'%(role)s' is not allowed here.") % {"role": role}
                )
            ],
        )
    username = usernames.normalized(username)
    foreign = usernames.foreign_characters(username)
    if foreign:
        message = _(
            "A username holds Latin letters, digits and . @ + - _ only, so that it cannot pass "
            "for another; not %(chars)s."
        ) % {"chars": ", ".join(usernames.describe(c) for c in foreign)}
        raise InvalidInput(message, errors=[field_error("/username", "confusable", message)])
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput(
            _("That username is taken."),
            errors=[field_error("/username", "unique", _("That username is taken."))],
        )
    user = User(username=username, email=email, organization=organization, role=role)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            _("The password is too weak."),
            code="weak_password",
            errors=[
                field_error("/password", e.code or "invalid", str(e.message % (e.params or {})))
                for e in exc.error_list
            ],
        ) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise InvalidInput(
            _("That username is taken."),
            errors=[field_error("/username", "unique", _("That username is taken."))],
        ) from exc
    record(
        action="member.added",
        actor=actor,
        obj=user,
        object_type="user",
        organization_id=organization.pk,
        data={"username": username, "role": role},
    )
    return user
