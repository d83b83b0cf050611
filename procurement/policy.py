"""Who may do what: the one answer to "may this user do this", and the tender's transitions.

``may(user, action, obj)`` is asked by the service guards (``require``), the API's
permissions, the admin's ``has_*`` methods and every button and page of the workbench; none
of them keeps a role list of its own. What a user *sees* of an object is the projection's
(``procurement.projection``); which rows they reach, the selectors' (``procurement.selectors``).

An action is allowed to a set of roles (API.md "Roles"), within the user's own organisation:
the object's organisation (a tender's, a criterion's, a bid's tender's) must be the user's. A
few actions are the platform operator's too (a superuser without an organisation), who
otherwise acts for nobody. Bidders act on their own organisation's bids.

The tender's lifecycle (DOMAIN.md "Lifecycle") is one table, ``TRANSITIONS``: for each action,
the effective statuses it may start from. ``allowed_actions(tender, user)`` is what the
workbench offers as buttons: exactly the actions this user may take on this tender now. The
services check the same table before they change anything (409 otherwise, with their own
words for why).
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.errors import NotAllowed
from procurement.models import (
    BID_READING_ROLES,
    BUYER_ROLES,
    OFFICER_ROLES,
    VERIFY_ROLES,
    WHOLE_TRAIL_ROLES,
    Role,
    Tender,
)

ADMIN, EVALUATOR, BIDDER = Role.ADMIN, Role.EVALUATOR, Role.BIDDER
# The role sets are named once, in procurement.models (API.md "Roles").
OFFICERS = OFFICER_ROLES
BUYER_SIDE = BUYER_ROLES
WHOLE_TRAIL = WHOLE_TRAIL_ROLES
READERS_OF_OPENED_BIDS = BID_READING_ROLES


class Action(StrEnum):
    # the tender and its lifecycle
    TENDER_CREATE = "tender.create"
    TENDER_CHANGE = "tender.change"
    LOT_ADD = "lot.add"
    LOT_CHANGE = "lot.change"
    LOT_REMOVE = "lot.remove"
    TENDER_COPY = "tender.copy"
    DOCUMENT_UPLOAD = "tender.upload_document"
    CRITERIA_ATTACH = "tender.attach_criteria"
    CRITERIA_CHANGE = "tender.change_criteria"
    CRITERIA_REMOVE = "tender.remove_criteria"
    TENDER_PUBLISH = "tender.publish"
    TENDER_AMEND = "tender.amend"
    TENDER_CANCEL = "tender.cancel"
    TENDER_OPEN = "tender.open"
    TENDER_CONFIRM_OPENING = "tender.confirm_opening"
    TENDER_SIMULATE = "tender.simulate"
    TENDER_AWARD = "tender.award"
    # evaluations
    EVALUATION_RUN = "evaluation.run"
    EVALUATION_READ = "evaluation.read"
    EVALUATION_VERIFY = "evaluation.verify"
    CONSENSUS_SET = "evaluation.set_consensus"
    LOTTERY_DRAW = "evaluation.draw_lots"
    CONFLICT_DECLARE = "evaluation.declare_conflict"
    CONFLICT_MEASURE = "evaluation.record_measure"
    BIDS_SCORE = "evaluation.score"
    # the criteria library
    CRITERION_ADD = "criterion.add"
    CRITERION_CHANGE = "criterion.change"
    CRITERION_COPY = "criterion.copy"
    # bids, the supplier's
    BID_MANAGE = "bid.manage"
    # organisations
    ORGANIZATION_CREATE = "organization.create"
    ORGANIZATION_CHANGE = "organization.change"
    MEMBER_ADD = "organization.add_member"
    TOKENS_MANAGE = "organization.manage_tokens"
    QUORUM_SET = "organization.set_quorum"
    # the policy follow-up
    FOLLOW_UP_READ = "follow_up.read"
    FOLLOW_UP_TARGETS = "follow_up.manage_targets"
    FOLLOW_UP_PUBLISH = "follow_up.publish"
    # webhooks: the organisation's endpoints, their deliveries, pings and redeliveries
    WEBHOOKS_MANAGE = "webhooks.manage"
    # contract follow-up: buyer-side readers and the supplier's bidders read; officers sign,
    # schedule, request, review and close; the supplier's bidders answer checks
    CONTRACT_READ = "contract.read"
    CONTRACT_MANAGE = "contract.manage"
    CHECK_ANSWER = "contract.answer_check"
    # the audit trail
    AUDIT_EXPORT = "audit.export"
    AUDIT_VERIFY = "audit.verify"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    # "Your role may not <words>."
    words: Promise
    operator: bool = False


RULES: dict[Action, Rule] = {
    Action.TENDER_CREATE: Rule(OFFICERS, gettext_lazy("create tenders")),
    Action.TENDER_CHANGE: Rule(OFFICERS, gettext_lazy("change tenders")),
    Action.LOT_ADD: Rule(OFFICERS, gettext_lazy("add lots")),
    Action.LOT_CHANGE: Rule(OFFICERS, gettext_lazy("change lots")),
    Action.LOT_REMOVE: Rule(OFFICERS, gettext_lazy("remove lots")),
    Action.TENDER_COPY: Rule(OFFICERS, gettext_lazy("copy tenders into a new draft")),
    Action.DOCUMENT_UPLOAD: Rule(OFFICERS, gettext_lazy("upload tender documents")),
    Action.CRITERIA_ATTACH: Rule(OFFICERS, gettext_lazy("attach criteria")),
    Action.CRITERIA_CHANGE: Rule(OFFICERS, gettext_lazy("change criteria")),
    Action.CRITERIA_REMOVE: Rule(OFFICERS, gettext_lazy("remove criteria")),
    Action.TENDER_PUBLISH: Rule(OFFICERS, gettext_lazy("publish tenders")),
    Action.TENDER_AMEND: Rule(OFFICERS, gettext_lazy("amend tenders")),
    Action.TENDER_CANCEL: Rule(OFFICERS, gettext_lazy("cancel tenders")),
    Action.TENDER_OPEN: Rule(OFFICERS, gettext_lazy("open bids")),
    Action.TENDER_CONFIRM_OPENING: Rule(OFFICERS, gettext_lazy("open bids")),
    Action.TENDER_SIMULATE: Rule(OFFICERS, gettext_lazy("run simulations")),
    Action.TENDER_AWARD: Rule(OFFICERS, gettext_lazy("award tenders")),
    Action.EVALUATION_RUN: Rule(OFFICERS, gettext_lazy("run evaluations")),
    Action.EVALUATION_READ: Rule(READERS_OF_OPENED_BIDS, gettext_lazy("read evaluations")),
    Action.EVALUATION_VERIFY: Rule(VERIFY_ROLES, gettext_lazy("verify evaluations"), operator=True),
    Action.CONSENSUS_SET: Rule(OFFICERS, gettext_lazy("set consensus scores")),
    Action.LOTTERY_DRAW: Rule(OFFICERS, gettext_lazy("draw lots")),
    Action.CONFLICT_DECLARE: Rule(frozenset({EVALUATOR}), gettext_lazy("declare conflicts")),
    Action.CONFLICT_MEASURE: Rule(OFFICERS, gettext_lazy("record measures")),
    Action.BIDS_SCORE: Rule(frozenset({EVALUATOR}), gettext_lazy("score bids")),
    Action.CRITERION_ADD: Rule(OFFICERS, gettext_lazy("add criteria")),
    Action.CRITERION_CHANGE: Rule(OFFICERS, gettext_lazy("change criteria")),
    Action.CRITERION_COPY: Rule(OFFICERS, gettext_lazy("copy criteria")),
    Action.BID_MANAGE: Rule(frozenset({BIDDER}), gettext_lazy("bid")),
    Action.ORGANIZATION_CREATE: Rule(frozenset(), gettext_lazy("create organisations"), True),
    Action.ORGANIZATION_CHANGE: Rule(
        frozenset({ADMIN, BIDDER}), gettext_lazy("change the organisation"), operator=True
    ),
    Action.MEMBER_ADD: Rule(frozenset({ADMIN}), gettext_lazy("add members"), operator=True),
    Action.TOKENS_MANAGE: Rule(
        frozenset({ADMIN}), gettext_lazy("manage integration tokens"), operator=True
    ),
    Action.QUORUM_SET: Rule(
        frozenset({ADMIN}), gettext_lazy("set the opening quorum"), operator=True
    ),
    Action.FOLLOW_UP_READ: Rule(
        BUYER_SIDE, gettext_lazy("read the follow-up report"), operator=True
    ),
    Action.FOLLOW_UP_TARGETS: Rule(OFFICERS, gettext_lazy("set the follow-up targets")),
    Action.FOLLOW_UP_PUBLISH: Rule(OFFICERS, gettext_lazy("publish the follow-up report")),
    Action.WEBHOOKS_MANAGE: Rule(OFFICERS, gettext_lazy("manage webhooks")),
    Action.CONTRACT_READ: Rule(READERS_OF_OPENED_BIDS | {BIDDER}, gettext_lazy("read contracts")),
    Action.CONTRACT_MANAGE: Rule(OFFICERS, gettext_lazy("manage contracts")),
    Action.CHECK_ANSWER: Rule(frozenset({BIDDER}), gettext_lazy("answer contract checks")),
    Action.AUDIT_EXPORT: Rule(WHOLE_TRAIL, gettext_lazy("export the audit trail"), operator=True),
    Action.AUDIT_VERIFY: Rule(VERIFY_ROLES, gettext_lazy("verify the audit trail"), operator=True),
}

S = Tender.Status
# Each action on a tender, from the effective statuses it may start in (DOMAIN.md "Lifecycle").
TRANSITIONS: dict[Action, frozenset[str]] = {
    Action.TENDER_CHANGE: frozenset({S.DRAFT}),
    Action.LOT_ADD: frozenset({S.DRAFT}),
    Action.LOT_CHANGE: frozenset({S.DRAFT}),
    Action.LOT_REMOVE: frozenset({S.DRAFT}),
    Action.CRITERIA_ATTACH: frozenset({S.DRAFT}),
    Action.CRITERIA_CHANGE: frozenset({S.DRAFT}),
    Action.CRITERIA_REMOVE: frozenset({S.DRAFT}),
    Action.DOCUMENT_UPLOAD: frozenset({S.DRAFT, S.PUBLISHED}),
    Action.TENDER_PUBLISH: frozenset({S.DRAFT}),
    Action.TENDER_AMEND: frozenset({S.PUBLISHED}),
    Action.TENDER_CANCEL: frozenset(
        {S.DRAFT, S.PUBLISHED, S.CLOSED, S.OPENING, S.OPENED, S.EVALUATED}
    ),
    Action.TENDER_OPEN: frozenset({S.CLOSED}),
    Action.TENDER_CONFIRM_OPENING: frozenset({S.OPENING}),
    Action.TENDER_SIMULATE: frozenset({S.DRAFT, S.PUBLISHED, S.CLOSED, S.OPENING}),
    Action.EVALUATION_RUN: frozenset({S.OPENED, S.EVALUATED}),
    Action.CONSENSUS_SET: frozenset({S.OPENED, S.EVALUATED}),
    Action.BIDS_SCORE: frozenset({S.OPENED, S.EVALUATED}),
    Action.CONFLICT_DECLARE: frozenset({S.OPENED, S.EVALUATED}),
    Action.TENDER_AWARD: frozenset({S.EVALUATED}),
}
# The lifecycle's steps as the workbench offers them, in this order.
LIFECYCLE = (
    Action.TENDER_PUBLISH,
    Action.TENDER_AMEND,
    Action.TENDER_OPEN,
    Action.TENDER_CONFIRM_OPENING,
    Action.EVALUATION_RUN,
    Action.TENDER_AWARD,
    Action.TENDER_CANCEL,
)


# Actions on an organisation itself: the object is the organisation.
ORGANIZATION_ACTIONS = frozenset(
    {Action.ORGANIZATION_CHANGE, Action.MEMBER_ADD, Action.QUORUM_SET, Action.TOKENS_MANAGE}
)
# Contract actions a supplier's bidder takes: on the contracts of their own organisation (the
# contract's supplier), where the buyer's people act on their organisation's contracts.
CONTRACT_PARTY_ACTIONS = frozenset({Action.CONTRACT_READ, Action.CHECK_ANSWER})


def organization_of(obj: Any) -> uuid.UUID | None:
    """The organisation an object belongs to, for the rule "within your own organisation"."""
    if obj is None:
        return None
    for path in ("organization_id", "tender.organization_id", "contract.organization_id"):
        found: Any = obj
        for name in path.split("."):
            found = getattr(found, name, None)
            if found is None:
                break
        if found is not None:
            return found
    return None


def supplier_of(obj: Any) -> uuid.UUID | None:
    """The supplier of a contract, or of the contract a check or deviation belongs to."""
    if obj is None:
        return None
    found = getattr(obj, "supplier_id", None)
    if found is None and getattr(obj, "contract", None) is not None:
        found = getattr(obj.contract, "supplier_id", None)
    return found


def is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_platform_operator", False))


def may(user: Any, action: Action, obj: Any = None, *, organization_id: Any = None) -> bool:
    """May ``user`` take ``action`` (on ``obj``, or within ``organization_id``)? Roles and the
    organisation only; whether the object's state allows it now is ``in_state``."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    rule = RULES[action]
    if rule.operator and user.is_superuser:
        return True
    if is_operator(user):
        return False
    if user.role not in rule.roles or not user.organization_id:
        return False
    if action == Action.BID_MANAGE:
        supplier = getattr(obj, "supplier_id", None) if obj is not None else None
        return supplier is None or supplier == user.organization_id
    if action in CONTRACT_PARTY_ACTIONS and user.role == BIDDER:
        supplier = supplier_of(obj)
        return obj is None or supplier == user.organization_id
    owner = organization_id if organization_id is not None else organization_of(obj)
    if action in ORGANIZATION_ACTIONS and obj is not None:
        owner = getattr(obj, "pk", owner)
    if obj is not None and owner is None:
        return False  # an object of no organisation (the shared criteria library): read-only
    return owner is None or owner == user.organization_id


def require(user: Any, action: Action, obj: Any = None, *, organization_id: Any = None) -> Any:
    """Raise ``NotAllowed`` (403) unless ``may``; return the user's organisation id."""
    if not may(user, action, obj, organization_id=organization_id):
        raise NotAllowed(
            _("Your role may not %(action)s.") % {"action": RULES[action].words},
            code="permission_denied",
        )
    return user.organization_id


def may_now(user: Any, action: Action, tender: Tender) -> bool:
    """``may`` and ``in_state`` together: what a button or a form asks."""
    return may(user, action, tender) and in_state(action, tender)


def is_member(user: Any) -> bool:
    return bool(getattr(user, "organization_id", None) and getattr(user, "role", ""))


def may_use_workbench(user: Any) -> bool:
    """The admin workbench is for the buyer side's members and the platform operator;
    suppliers use the API."""
    return bool(
        user.is_active and (user.is_superuser or (user.organization_id and user.role in BUYER_SIDE))
    )


def in_state(action: Action, tender: Tender) -> bool:
    """Does the tender's effective status allow ``action`` now (``TRANSITIONS``)?"""
    allowed = TRANSITIONS.get(action)
    return allowed is None or tender.effective_status in allowed


def allowed_actions(tender: Tender, user: Any) -> list[Action]:
    """The lifecycle steps ``user`` may take on ``tender`` now, in order: the workbench offers
    exactly these. The opening is confirmed by another officer than the one who started it."""
    found = []
    for action in LIFECYCLE:
        if not (may(user, action, tender) and in_state(action, tender)):
            continue
        if action == Action.TENDER_CONFIRM_OPENING and tender.opening_requested_by_id == getattr(
            user, "pk", None
        ):
            continue
        found.append(action)
    return found


def roles_for(action: Action) -> frozenset[str]:
    """The roles the action is allowed to (for lists of users, e.g. who may witness)."""
    return RULES[action].roles
