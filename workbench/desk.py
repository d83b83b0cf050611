"""The start page: a desk for the working day, per role.

- Officers and admins: their organisation's tenders by state, with the deadline, and the next
  step of each (publish, open with a second officer, set consensus, run, award): the policy's
  ``allowed_actions`` and the evaluation's own missing items decide it.
- Evaluators: the opened tenders that wait for their declaration of interests or their scores.
- Auditors: the state of the organisation's chain and the latest exports of the trail.
- The platform operator: the model lists, as Django's admin has them.

Nothing here decides a rule; every step asks the policy or the selectors.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import ChainHead
from procurement import policy
from procurement.models import Role, Tender
from procurement.policy import Action
from procurement.selectors import audit_events_for, tenders_for
from scoring import selectors as scoring
from scoring.models import ConflictDeclaration, Evaluation, EvaluatorScore
from workbench import contracts as contract_desk
from workbench import formats

S = Tender.Status
# The order the desk lists tenders in: what needs doing first.
# The awarded tenders the desk lists (the newest); the tender list has every one.
AWARDED_SHOWN = 10
STATE_ORDER = (S.CLOSED, S.OPENING, S.OPENED, S.EVALUATED, S.DRAFT, S.PUBLISHED, S.AWARDED)
STATE_WORDS = {
    S.DRAFT: gettext_lazy("Drafts"),
    S.PUBLISHED: gettext_lazy("Published, open for bids"),
    S.CLOSED: gettext_lazy("Deadline passed: to be opened"),
    S.OPENING: gettext_lazy("Opening: waiting for a second officer"),
    S.OPENED: gettext_lazy("Opened: to be evaluated"),
    S.EVALUATED: gettext_lazy("Evaluated: to be awarded"),
    S.AWARDED: gettext_lazy("Awarded"),
}
STEP_WORDS = {
    Action.TENDER_PUBLISH: gettext_lazy("Publish"),
    Action.TENDER_OPEN: gettext_lazy("Start the opening"),
    Action.TENDER_CONFIRM_OPENING: gettext_lazy("Confirm the opening"),
    Action.EVALUATION_RUN: gettext_lazy("Run the evaluation"),
    Action.TENDER_AWARD: gettext_lazy("Award"),
}


def _tender_url(tender: Tender, name: str = "change", *args: Any) -> str:
    view = "admin:procurement_tender_change" if name == "change" else f"admin:procurement_{name}"
    return reverse(view, args=[quote(tender.pk), *args])


def _latest_evaluation(tender: Tender):
    return Evaluation.objects.filter(tender=tender).order_by("-created_at").first()


def next_step(tender: Tender, user: Any) -> dict[str, Any] | None:
    """The one thing to do next on the tender, as words and a link; None when nothing waits
    on this user."""
    allowed = policy.allowed_actions(tender, user)
    status = tender.effective_status
    if Action.TENDER_PUBLISH in allowed:
        return {
            "label": str(STEP_WORDS[Action.TENDER_PUBLISH]),
            "url": _tender_url(tender, "tender_publish"),
        }
    for action, page in (
        (Action.TENDER_OPEN, "tender_open"),
        (Action.TENDER_CONFIRM_OPENING, "tender_open"),
    ):
        if action in allowed:
            return {"label": str(STEP_WORDS[action]), "url": _tender_url(tender, page)}
    if status == S.OPENING:
        # Nothing for this user to do: it waits on someone else (shown as words, not a button).
        return {
            "label": _("Another officer confirms the opening"),
            "url": _tender_url(tender),
            "waiting": True,
        }
    if status == S.OPENED and Action.EVALUATION_RUN in allowed:
        missing = scoring.missing_items(tender)
        consensus = sum(1 for item in missing if item.get("kind") == "consensus")
        if consensus:
            return {
                "label": _("Set consensus (%(count)s left)") % {"count": consensus},
                "url": _tender_url(tender, "tender_consensus"),
            }
        if missing:
            return {
                "label": _("Waiting for the evaluators (%(count)s items)")
                % {"count": len(missing)},
                "url": _tender_url(tender, "tender_evaluate"),
                "waiting": True,
            }
        return {
            "label": str(STEP_WORDS[Action.EVALUATION_RUN]),
            "url": _tender_url(tender, "tender_evaluate"),
        }
    if status in (S.EVALUATED, S.AWARDED) and policy.may(user, Action.EVALUATION_READ, tender):
        evaluation = _latest_evaluation(tender)
        if evaluation is not None:
            label = (
                STEP_WORDS[Action.TENDER_AWARD]
                if Action.TENDER_AWARD in allowed
                else _("Read the result and the award")
            )
            return {
                "label": str(label),
                "url": _tender_url(tender, "tender_evaluation", evaluation.pk),
                # Reading is not a task: a link in the tender's group, not in "To do next".
                "reading": Action.TENDER_AWARD not in allowed,
            }
    return None


def _row(tender: Tender, user: Any) -> dict[str, Any]:
    return {
        "tender": tender,
        "url": _tender_url(tender),
        "deadline": formats.when_zoned(tender.submission_deadline),
        "bids": getattr(tender, "bids_received_count", None),
        "next": next_step(tender, user),
    }


def officer_desk(user: Any) -> dict[str, Any]:
    tenders = list(
        tenders_for(user)
        .exclude(status=S.CANCELLED)
        .select_related("opening_requested_by")
        .order_by("submission_deadline")
    )
    groups: list[dict[str, Any]] = []
    todo: list[dict[str, Any]] = []
    for state in STATE_ORDER:
        chosen = [t for t in tenders if t.effective_status == state]
        if not chosen:
            continue
        shown = chosen
        if state == S.AWARDED:
            # Finished work: the latest few, newest first; the tender list has them all.
            shown = sorted(chosen, key=lambda t: t.submission_deadline, reverse=True)
            shown = shown[:AWARDED_SHOWN]
        rows = [_row(t, user) for t in shown]
        groups.append(
            {
                "state": state,
                "words": STATE_WORDS[state],
                "rows": rows,
                "count": len(chosen),
                "all_url": (
                    reverse("admin:procurement_tender_changelist") + f"?status__exact={state}"
                    if len(chosen) > len(shown)
                    else None
                ),
            }
        )
        todo += [
            row
            for row in rows
            if row["next"] and not row["next"].get("waiting") and not row["next"].get("reading")
        ]
    # Awarded lots whose standstill has ended wait for their contract (workbench/contracts.py).
    to_sign, more_to_sign = contract_desk.sign_tasks(user)
    todo += to_sign
    return {
        "kind": "officer",
        "groups": groups,
        "todo": todo,
        "more_to_sign": more_to_sign,
        "follow_up": contract_desk.follow_up_desk(user),
    }


def evaluator_desk(user: Any) -> dict[str, Any]:
    """Opened tenders of the evaluator's organisation that wait for the evaluator."""
    rows = []
    for tender in tenders_for(user).filter(status__in=scoring.EVALUABLE).order_by("reference"):
        declaration = ConflictDeclaration.objects.filter(tender=tender, evaluator=user).first()
        if declaration is None:
            task = _("Declare your interests")
            url = _tender_url(tender, "tender_declare")
        elif declaration.has_conflict:
            continue
        else:
            manual = scoring.manual_criteria(tender)
            bids = scoring.submitted_bids(tender)
            needed = sum(1 for b in bids for tc in manual if tc.lot_id in (None, b.lot_id))
            done = EvaluatorScore.objects.filter(
                tender=tender, evaluator=user, is_current=True
            ).count()
            if needed == 0 or done >= needed:
                continue
            task = _("Score the bids (%(done)s of %(needed)s done)") % {
                "done": done,
                "needed": needed,
            }
            url = _tender_url(tender, "tender_scores")
        rows.append({"tender": tender, "task": task, "url": url})
    return {"kind": "evaluator", "rows": rows}


def auditor_desk(user: Any) -> dict[str, Any]:
    head = ChainHead.objects.filter(chain=str(user.organization_id)).first()
    exports = audit_events_for(user).filter(action="audit.exported").order_by("-sequence")[:5]
    verified = (
        audit_events_for(user).filter(action="evaluation.verified").order_by("-sequence").first()
    )
    return {
        "kind": "auditor",
        "head": head,
        "events": head.sequence if head else 0,
        "verified": verified,
        "exports": [
            {
                "when": formats.when(event.created_at),
                "who": event.actor_username,
                "format": (event.data or {}).get("format", ""),
            }
            for event in exports
        ],
        "audit_url": reverse("admin:audit_auditevent_changelist"),
    }


DESKS: dict[str, Callable[[Any], dict[str, Any]]] = {
    Role.ADMIN: officer_desk,
    Role.OFFICER: officer_desk,
    Role.EVALUATOR: evaluator_desk,
    Role.AUDITOR: auditor_desk,
}


def desk_for(user: Any) -> dict[str, Any] | None:
    """The user's desk, or None for the platform operator (the model lists serve them)."""
    if policy.is_operator(user) or not user.organization_id:
        return None
    build = DESKS.get(user.role)
    return build(user) if build else None
