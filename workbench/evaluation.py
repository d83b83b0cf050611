"""The officer workbench, part 2: after the opening. Evaluators declare and score; officers
set consensus, run the evaluation and read its result (ranking, matrix, category chart,
warnings, sensitivity), verify it and download the evidence package.

The pages call the same services and selectors as the API: the seal, the blindness of
evaluators (no prices unless the tender allows them, no other evaluator's scores) and the
audit trail are the same.
"""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from criteria.models import Category, TenderCriterion
from procurement import policy, projection
from procurement.errors import DomainError
from procurement.models import Bid, BidDocument, BidResponse, Tender, User
from procurement.policy import Action
from procurement.selectors import bid_documents_for, bids_for
from procurement.uploads import file_response
from scoring import selectors
from scoring.evidence import evidence_zip
from scoring.models import Award, ConflictDeclaration, ConsensusScore, Evaluation, EvaluatorScore
from scoring.services.award import award_tender
from scoring.services.declarations import declare_conflict
from scoring.services.lottery import draw_lottery
from scoring.services.runs import start_evaluation, verify_evaluation
from scoring.services.scores import set_consensus, submit_scores
from workbench import formats, panels, words
from workbench.chart import category_chart

# The statuses the pages after the opening are for (the policy's transitions decide).
EVALUABLE = policy.TRANSITIONS[Action.EVALUATION_RUN]


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=gettext_lazy("Do you have a conflict of interest in this tender?"),
        choices=[
            ("no", gettext_lazy("No: I have no ties to any bidder that could affect my judgement")),
            ("yes", gettext_lazy("Yes: I have such ties (I will not evaluate this tender)")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label=gettext_lazy("Statement"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        help_text=gettext_lazy("e.g. 'No ties to any bidder', or the ties you have."),
    )


def _decimal_or_none(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _money(money: dict | None) -> str:
    return formats.money_of(money) if money else ""


def missing_in_words(tender: Tender) -> list[dict[str, Any]]:
    """What stops the evaluation, each item in words: the criterion by its title, the bid by
    its supplier."""
    items = selectors.missing_items(tender)
    if not items:
        return []
    titles = {
        str(tc.pk): f"{panels.criterion_title(tc)} ({tc.code})"
        for tc in TenderCriterion.objects.filter(tender=tender)
    }
    suppliers = {
        str(bid.pk): bid.supplier.name
        for bid in Bid.objects.filter(tender=tender).select_related("supplier")
    }
    words = {
        "consensus": _("No consensus score yet: %(criterion)s, %(supplier)s"),
        "scores": _("No evaluator's score yet: %(criterion)s, %(supplier)s"),
    }
    found = []
    for item in items:
        template = words.get(item.get("kind", ""))
        text = item.get("message") or (
            template
            % {
                "criterion": titles.get(item.get("tender_criterion", ""), item.get("code", "")),
                "supplier": suppliers.get(item.get("bid", ""), ""),
            }
            if template
            else item.get("code", "")
        )
        found.append({**item, "text": text})
    return found


def bid_documents_for_bids(user, bids) -> list:
    """The documents of these bids that the user may open (no price sheets for the blind)."""
    return list(
        projection.bid_documents_for(user, BidDocument.objects.filter(bid__in=bids)).order_by(
            "filename", "version"
        )
    )


class EvaluationPagesMixin:
    """Added to the Tender admin: URLs and views for the pages after the opening."""

    # From the admin this is mixed into (ScopedAdmin's raises Http404 rather than return None).
    get_object: Callable[..., Tender]

    def evaluation_views(self):
        """(path suffix after the tender's id, view, URL name after 'procurement_')."""
        run = "evaluations/<uuid:evaluation_id>/"
        return [
            ("bids/<uuid:bid_id>/", self.bid_view, "tender_bid"),
            (
                "bids/<uuid:bid_id>/documents/<uuid:document_id>/",
                self.bid_document_view,
                "tender_bid_document",
            ),
            ("declare/", self.declare_view, "tender_declare"),
            ("scores/", self.scores_view, "tender_scores"),
            ("consensus/", self.consensus_view, "tender_consensus"),
            ("evaluate/", self.evaluate_view, "tender_evaluate"),
            (run, self.evaluation_view, "tender_evaluation"),
            (f"{run}award/", self.award_view, "tender_evaluation_award"),
            (f"{run}lottery/", self.lottery_view, "tender_evaluation_lottery"),
            (f"{run}verify/", self.verify_view, "tender_evaluation_verify"),
            (f"{run}evidence/", self.evidence_view, "tender_evaluation_evidence"),
        ]

    # --- what the tender page offers after the opening -------------------------------------

    def evaluation_context(self, request, tender: Tender) -> dict[str, Any]:
        user = request.user
        if tender.status not in (*EVALUABLE, Tender.Status.AWARDED):
            return {}
        link = lambda name: reverse(f"admin:procurement_tender_{name}", args=[quote(tender.pk)])  # noqa: E731
        # Only the steps this user may take now: after the award, none of them is open.
        steps = []
        if policy.may_now(user, Action.CONFLICT_DECLARE, tender):
            declared = ConflictDeclaration.objects.filter(tender=tender, evaluator=user).first()
            if declared is None:
                steps.append({"label": _("Declare conflicts of interest"), "url": link("declare")})
            elif not declared.has_conflict:
                steps.append({"label": _("Score the bids"), "url": link("scores")})
        if policy.may_now(user, Action.CONSENSUS_SET, tender):
            steps.append({"label": _("Consensus"), "url": link("consensus")})
        if policy.may_now(user, Action.EVALUATION_RUN, tender):
            steps.append({"label": _("Run the evaluation"), "url": link("evaluate")})
        awarded = Award.objects.filter(tender=tender).values_list("evaluation_id", flat=True)
        runs = list(selectors.evaluations_for(user).filter(tender=tender).order_by("created_at"))
        evaluations = [
            {
                "evaluation": evaluation,
                "number": number,
                "awarded": evaluation.pk in set(awarded),
                "url": self._evaluation_url(tender, evaluation),
            }
            for number, evaluation in list(enumerate(runs, start=1))[::-1][:10]
        ]
        return {
            "after_opening_steps": steps,
            "evaluations": evaluations,
            "may_run_evaluation": policy.may_now(user, Action.EVALUATION_RUN, tender),
            "run_url": link("evaluate"),
            "missing": (
                missing_in_words(tender)
                if policy.may_now(user, Action.EVALUATION_RUN, tender)
                else []
            ),
        }

    def _evaluation_url(self, tender, evaluation, suffix=""):
        name = f"admin:procurement_tender_evaluation{'_' + suffix if suffix else ''}"
        return reverse(name, args=[quote(tender.pk), evaluation.pk])

    # --- a bid, as its reader may see it -----------------------------------------------------

    def _readable_bid(self, request, object_id, bid_id) -> tuple[Tender, Bid]:
        tender = self.get_object(request, unquote(object_id))
        bid = (
            bids_for(request.user)
            .filter(tender=tender, pk=bid_id)
            .select_related("supplier", "lot", "tender")
            .prefetch_related("responses", "documents")
            .first()
        )
        if bid is None:
            raise Http404
        return tender, bid

    def bid_view(self, request, object_id, bid_id):
        tender, bid = self._readable_bid(request, object_id, bid_id)
        seen = projection.bid_for(request.user, bid)
        answers = {r.tender_criterion_id: r.value for r in bid.responses.all()}
        facts = bid.supplier_facts or {}
        rows = []
        for tc in TenderCriterion.objects.filter(tender=tender).order_by("position", "code"):
            if tc.lot_id not in (None, bid.lot_id):
                continue
            from_profile = tc.source == "supplier_profile"
            value = facts.get(tc.profile_field) if from_profile else answers.get(tc.pk)
            rows.append(
                {
                    "title": panels.criterion_title(tc),
                    "code": tc.code,
                    "kind": tc.get_kind_display(),
                    "category": tc.get_category_display(),
                    "answer": panels.answer_words(tc, value),
                    "manual": (tc.rule or {}).get("type") == "manual",
                    "from_profile": from_profile,
                    "rule": panels.rule_in_words(tc.rule, tc.unit, tc.option_labels),
                }
            )
        documents = [
            {
                "document": d,
                "url": reverse(
                    "admin:procurement_tender_bid_document",
                    args=[quote(tender.pk), bid.pk, d.pk],
                ),
            }
            for d in seen.documents
        ]
        scores_url = (
            reverse("admin:procurement_tender_scores", args=[quote(tender.pk)])
            if policy.may(request.user, Action.BIDS_SCORE, tender)
            else None
        )
        return self._render(
            request,
            tender,
            "bid.html",
            title=_("Bid from %(supplier)s") % {"supplier": bid.supplier.name},
            bid=bid,
            seen=seen,
            answers=rows,
            documents=documents,
            scores_url=scores_url,
        )

    def bid_document_view(self, request, object_id, bid_id, document_id):
        _tender, bid = self._readable_bid(request, object_id, bid_id)
        document = bid_documents_for(request.user, bid).filter(pk=document_id).first()
        if document is None:
            raise Http404
        return file_response(document)

    # --- evaluators ------------------------------------------------------------------------

    def _evaluator_tender(self, request, object_id) -> Tender:
        tender = self.get_object(request, unquote(object_id))
        user = request.user
        if not policy.may(user, Action.BIDS_SCORE, tender):
            raise PermissionDenied
        if tender.status not in EVALUABLE:
            raise Http404
        return tender

    def declare_view(self, request, object_id):
        tender = self._evaluator_tender(request, object_id)
        form = DeclarationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                declaration = declare_conflict(
                    tender=tender,
                    actor=request.user,
                    has_conflict=form.cleaned_data["has_conflict"],
                    statement=form.cleaned_data["statement"],
                )
            except DomainError as error:
                self._refused(request, error)
            else:
                if declaration.has_conflict:
                    return self._done(
                        request,
                        tender,
                        _(
                            "Your conflict of interest is recorded; you will not evaluate %(reference)s."
                        )
                        % {"reference": tender.reference},
                    )
                self.message_user(
                    request,
                    _("Your declaration is recorded. You may now score the bids."),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:procurement_tender_scores", args=[quote(tender.pk)])
                )
        return self._render(
            request,
            tender,
            "declare.html",
            title=_("Conflicts of interest: %(reference)s") % {"reference": tender.reference},
            form=form,
        )

    def _sheet(self, tender: Tender, user, *, consensus: bool):
        """Bids as rows, the manual criteria as columns; prices only where the viewer may."""
        criteria = selectors.manual_criteria(tender)
        bids = selectors.submitted_bids(tender)
        hide = not projection.sees_prices(user, tender)
        current: dict[tuple, ConsensusScore | EvaluatorScore]
        if consensus:
            current = {
                (s.bid_id, s.tender_criterion_id): s
                for s in ConsensusScore.objects.filter(tender=tender, is_current=True)
            }
            others: dict[tuple, list] = {}
            for score in EvaluatorScore.objects.filter(
                tender=tender, is_current=True
            ).select_related("evaluator"):
                others.setdefault((score.bid_id, score.tender_criterion_id), []).append(score)
        else:
            current = {
                (s.bid_id, s.tender_criterion_id): s for s in selectors.own_scores(user, tender)
            }
            others = {}
        flagged = {
            (item["bid"], item["tender_criterion"]): item["spread"]
            for item in (selectors.moderation_items(tender) if consensus else [])
        }
        answers: dict[tuple, Any] = {
            (r.bid_id, r.tender_criterion_id): r.value
            for r in BidResponse.objects.filter(bid__in=bids, tender_criterion__in=criteria)
        }
        documents: dict[Any, list] = {}
        for document in bid_documents_for_bids(user, bids):
            documents.setdefault(document.bid_id, []).append(document)
        rows = []
        for bid in bids:
            cells: list[dict[str, Any] | None] = []
            for tc in criteria:
                if tc.lot_id not in (None, bid.lot_id):
                    cells.append(None)
                    continue
                saved = current.get((bid.pk, tc.pk))
                given = [s.score for s in others.get((bid.pk, tc.pk), [])]
                agreed = given[0] if given and len(set(given)) == 1 else None
                shown_score, shown_text = "", ""
                if saved is not None:
                    shown_score = panels.plain(saved.score)
                    shown_text = (
                        saved.justification
                        if isinstance(saved, ConsensusScore)  # on the consensus page
                        else saved.comment
                    )
                elif consensus and agreed is not None:
                    # The evaluators agree: consensus starts from their score, to confirm.
                    shown_score = panels.plain(agreed)
                    shown_text = (
                        _("The evaluator's score: %(score)s.")
                        if len(given) == 1
                        else _("The evaluators agree: %(score)s.")
                    ) % {"score": shown_score}
                cells.append(
                    {
                        "name": f"{bid.pk}:{tc.pk}",
                        "scale": tc.rule.get("scale_max"),
                        "score": shown_score,
                        "text": shown_text,
                        "agreed": saved is None and agreed is not None,
                        "single": len(given) == 1,
                        "range": (
                            (panels.plain(min(given)), panels.plain(max(given)))
                            if len(set(given)) > 1
                            else None
                        ),
                        "version": getattr(saved, "version", None),
                        "evaluators": [
                            (str(s.evaluator), panels.plain(s.score), s.comment)
                            for s in others.get((bid.pk, tc.pk), [])
                        ],
                        "spread": flagged.get((str(bid.pk), str(tc.pk))),
                        "code": tc.code,
                        "bid_name": bid.supplier.name,
                        "answer": panels.answer_words(tc, answers.get((bid.pk, tc.pk))),
                    }
                )
            rows.append(
                {
                    "bid": bid,
                    "name": bid.supplier.name,
                    "lot": bid.lot.number,
                    "price": None if hide else formats.money(bid.price_amount, tender.currency),
                    "url": reverse("admin:procurement_tender_bid", args=[quote(tender.pk), bid.pk]),
                    "documents": [
                        {
                            "name": d.filename,
                            "url": reverse(
                                "admin:procurement_tender_bid_document",
                                args=[quote(tender.pk), bid.pk, d.pk],
                            ),
                        }
                        for d in documents.get(bid.pk, [])
                    ],
                    "cells": cells,
                }
            )
        columns = [
            {
                "tc": tc,
                "title": panels.criterion_title(tc),
                "description": panels.criterion_description(tc),
                "verification": tc.verification_en
                if panels.lang() == "en" and tc.verification_en
                else tc.verification,
                "scale": tc.rule.get("scale_max"),
            }
            for tc in criteria
        ]
        return columns, rows

    def _posted_items(self, request, text_name: str) -> list[dict[str, Any]]:
        items = []
        for key, value in request.POST.items():
            if not key.startswith("score:") or not value.strip():
                continue
            bid_id, _sep, tc_id = key.removeprefix("score:").partition(":")
            items.append(
                {
                    "bid": bid_id,
                    "tender_criterion": tc_id,
                    "score": value.strip().replace(",", "."),
                    text_name: request.POST.get(f"text:{bid_id}:{tc_id}", ""),
                }
            )
        return items

    def _save_sheet(self, request, service, tender, items):
        """(saved, []) or, when the service refuses, (None, its field messages) with the
        refusal shown on the page."""
        try:
            return service(tender=tender, actor=request.user, items=items), []
        except DomainError as error:
            self._refused(request, error)
            return None, [e.get("message") for e in error.errors]

    def scores_view(self, request, object_id):
        tender = self._evaluator_tender(request, object_id)
        if not selectors.evaluator_may_access(request.user, tender):
            self.message_user(
                request,
                _("Declare that you have no conflict of interest before scoring."),
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse("admin:procurement_tender_declare", args=[quote(tender.pk)])
            )
        errors = []
        if request.method == "POST":
            items = self._posted_items(request, "comment")
            saved, errors = self._save_sheet(request, submit_scores, tender, items)
            if saved is not None:
                self.message_user(
                    request,
                    _("%(count)s scores saved; each change is kept as a new version.")
                    % {"count": len(saved)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
        columns, rows = self._sheet(tender, request.user, consensus=False)
        return self._render(
            request,
            tender,
            "scores.html",
            title=_("Scoring sheet: %(reference)s") % {"reference": tender.reference},
            columns=columns,
            rows=rows,
            errors=errors,
            submit=_("Save the scores"),
            text_label=_("Comment"),
        )

    # --- officers --------------------------------------------------------------------------

    def consensus_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        if tender.status not in EVALUABLE:
            raise Http404
        errors = []
        if request.method == "POST":
            current = {
                (str(c.bid_id), str(c.tender_criterion_id)): (c.score, c.justification)
                for c in ConsensusScore.objects.filter(tender=tender, is_current=True)
            }
            # Only what changed: re-saving the page adds no new versions.
            items = [
                item
                for item in self._posted_items(request, "justification")
                if current.get((item["bid"], item["tender_criterion"]))
                != (_decimal_or_none(item["score"]), item["justification"].strip())
            ]
            saved, errors = self._save_sheet(request, set_consensus, tender, items)
            if saved is not None:
                self.message_user(
                    request,
                    _("%(count)s consensus scores saved.") % {"count": len(saved)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
        columns, rows = self._sheet(tender, request.user, consensus=True)
        return self._render(
            request,
            tender,
            "scores.html",
            title=_("Consensus: %(reference)s") % {"reference": tender.reference},
            columns=columns,
            rows=rows,
            errors=errors,
            consensus=True,
            missing=selectors.missing_items(tender),
            submit=_("Save the consensus scores"),
            text_label=_("Justification"),
        )

    def evaluate_view(self, request, object_id):
        tender = self._officer_tender(request, object_id)
        if request.method != "POST":
            missing = selectors.missing_items(tender)
            return self._render(
                request,
                tender,
                "confirm.html",
                title=_("Run the evaluation of %(reference)s") % {"reference": tender.reference},
                happens=[
                    _(
                        "The scoring engine computes every bid's result from a frozen snapshot of "
                        "the bids, the criteria and the consensus scores; it runs in the "
                        "background and this page shows its progress."
                    ),
                    _(
                        "The snapshot and the result are stored with their SHA-256, so that anyone "
                        "can replay and verify the evaluation later."
                    ),
                    _("Running it again later adds a new evaluation; none is overwritten."),
                ]
                + [
                    item.get("message")
                    or _("Missing: %(kind)s %(code)s")
                    % {"kind": item.get("kind"), "code": item.get("code", "")}
                    for item in missing[:10]
                ],
                submit=_("Run the evaluation"),
            )
        try:
            evaluation = start_evaluation(tender=tender, actor=request.user)
        except DomainError as error:
            self._refused(request, error)
            for item in error.extra.get("missing", [])[:10]:
                self.message_user(
                    request,
                    item.get("message") or f"{item.get('kind')}: {item.get('code', '')}",
                    messages.WARNING,
                )
            return HttpResponseRedirect(
                reverse("admin:procurement_tender_change", args=[quote(tender.pk)])
            )
        # Without a worker (the embedded default) the run is already over: say what is true.
        evaluation.refresh_from_db()
        if evaluation.status == Evaluation.Status.DONE:
            self.message_user(request, _("The evaluation is done."), messages.SUCCESS)
        elif evaluation.status == Evaluation.Status.FAILED:
            self.message_user(request, _("The evaluation failed."), messages.ERROR)
        else:
            # Queued once this request commits: the page follows it and shows the result.
            self.message_user(
                request,
                _("The evaluation has started; this page shows its result as soon as it is done."),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._evaluation_url(tender, evaluation))

    def _evaluation(self, request, object_id, evaluation_id) -> tuple[Tender, Evaluation]:
        tender = self.get_object(request, unquote(object_id))
        evaluation = (
            selectors.evaluations_for(request.user).filter(tender=tender, pk=evaluation_id).first()
        )
        if evaluation is None:
            raise Http404
        return tender, evaluation

    def evaluation_view(self, request, object_id, evaluation_id):
        tender, evaluation = self._evaluation(request, object_id, evaluation_id)
        context: dict[str, Any] = {
            "evaluation": evaluation,
            "running": evaluation.status in (Evaluation.Status.QUEUED, Evaluation.Status.RUNNING),
            "may_verify": policy.may(request.user, Action.EVALUATION_VERIFY, tender),
            "verify_url": self._evaluation_url(tender, evaluation, "verify"),
            "evidence_url": self._evaluation_url(tender, evaluation, "evidence"),
            "method_label": words.value(evaluation.method),
        }
        if evaluation.status == Evaluation.Status.DONE:
            context.update(self.result_context(request, tender, evaluation))
            context.update(self.decision_context(request, tender, evaluation, context))
        return self._render(
            request,
            tender,
            "evaluation.html",
            title=_("Evaluation of %(reference)s") % {"reference": tender.reference},
            **context,
        )

    def result_context(self, request, tender, evaluation) -> dict[str, Any]:
        lang = panels.lang()
        result = selectors.result_of(evaluation)
        items = selectors.result_items(evaluation, lang)
        hide = not projection.sees_prices(request.user, tender)
        labels = {key: str(label) for key, label in Category.choices} | {"price": _("Price")}
        criteria = list(TenderCriterion.objects.filter(tender=tender))
        titles = {tc.code: panels.criterion_title(tc) for tc in criteria}
        titles_by_id = {str(tc.pk): panels.criterion_title(tc) for tc in criteria}
        lots = []
        for lot in result.get("lots", []):
            bids = [item for item in items if item["lot"] == lot["lot"]]
            codes: list[str] = []
            for bid in bids:
                for c in bid["criteria"]:
                    if c["code"] not in codes:
                        codes.append(c["code"])
            money = any(bid["categories_unit"] == "money" for bid in bids)
            qualified = [b for b in bids if b["qualified"]]
            chart = category_chart(
                [{"name": b["supplier"]["name"], "categories": b["categories"]} for b in qualified],
                labels,
                unit_label=_("money per category") if money else _("points per category"),
                title=_("Category profile of each bid, lot %(number)s")
                % {"number": lot.get("number")},
                description=_(
                    "Stacked bars, one per qualified bid in rank order; each part is what a "
                    "category contributed. The same figures are in the table below the chart."
                ),
            )
            lots.append(
                {
                    "number": lot.get("number"),
                    "title": lot.get("title"),
                    "codes": codes,
                    "columns": [{"code": code, "title": titles.get(code, code)} for code in codes],
                    # Lowest price has no categories to profile: no empty chart then.
                    "has_profile": any(
                        Decimal(str(value)) != 0
                        for b in qualified
                        for value in b["categories"].values()
                    ),
                    "categories": [
                        key
                        for key in ["price", *dict(Category.choices)]
                        if any(key in b["categories"] for b in bids)
                    ],
                    "bids": [
                        {
                            **b,
                            "name": b["supplier"]["name"],
                            "price_text": None if hide else _money(b["price"]),
                            "result_text": (
                                formats.points(b["total_score"])
                                if b.get("total_score") is not None
                                else _money(b.get("comparison_price"))
                            ),
                            "cells": {
                                c["code"]: {**c, "value_text": formats.answer(c.get("value"))}
                                for c in b["criteria"]
                            },
                            "category_values": [
                                (
                                    formats.money(b["categories"][key], tender.currency)
                                    if money
                                    else formats.points(b["categories"][key])
                                )
                                if b["categories"].get(key) is not None
                                else None
                                for key in ["price", *dict(Category.choices)]
                                if any(key in x["categories"] for x in bids)
                            ],
                        }
                        for b in bids
                    ],
                    "chart": mark_safe(chart),  # noqa: S308 - built from escaped parts
                }
            )
        for lot in lots:
            lot["category_labels"] = [labels.get(key, key) for key in lot["categories"]]
            for bid in lot["bids"]:
                bid["matrix"] = [bid["cells"].get(code) for code in lot["codes"]]
        names = {item["bid"]: item["supplier"]["name"] for item in items}

        def named(text: str) -> str:
            # The engine names bids by id; a reader wants the supplier.
            for bid_id, name in names.items():
                text = text.replace(bid_id, name)
            return text

        return {
            "lots": lots,
            "method_label": words.value(result.get("method") or evaluation.method),
            "warnings": [panels.warning_words(w) for w in result.get("warnings", [])],
            "sensitivity": [
                named(
                    panels.sensitivity_words(
                        {**item, "first": lot.get("first"), "second": lot.get("second")},
                        titles_by_id,
                        tender.currency,
                    )
                )
                for lot in result.get("sensitivity", [])
                for item in lot.get("items", [])
            ],
            "unresolved_ties": result.get("unresolved_ties", []),
        }

    def decision_context(self, request, tender, evaluation, result) -> dict[str, Any]:
        """The award form (per lot the winning bid, justification) or the award made; the
        lottery form when ties are unresolved."""
        user = request.user
        officer = policy.may(user, Action.TENDER_AWARD, tender)
        award = Award.objects.filter(tender=tender).select_related("decided_by").first()
        context: dict[str, Any] = {"award": None}
        if award is not None:
            names = {b["bid"]: b["name"] for lot in result["lots"] for b in lot["bids"]}
            context["award"] = {
                "award": award,
                "winners": [
                    names.get(str(bid), str(bid)) for lot in award.lots for bid in lot["bids"]
                ],
            }
        if not officer:
            return context
        if result.get("unresolved_ties"):
            context["lottery_url"] = self._evaluation_url(tender, evaluation, "lottery")
            context["witnesses"] = User.objects.filter(
                organization_id=tender.organization_id,
                role__in=policy.roles_for(Action.LOTTERY_DRAW),
                is_active=True,
            ).exclude(pk=user.pk)
        elif award is None and tender.status == Tender.Status.EVALUATED:
            context["award_url"] = self._evaluation_url(tender, evaluation, "award")
            context["award_lots"] = [
                {
                    "number": lot["number"],
                    "lot": lot["bids"][0]["lot"] if lot["bids"] else "",
                    "choices": [b for b in lot["bids"] if b["qualified"]],
                }
                for lot in result["lots"]
            ]
        return context

    def award_view(self, request, object_id, evaluation_id):
        tender, evaluation = self._evaluation(request, object_id, evaluation_id)
        if request.method != "POST" or not policy.may(request.user, Action.TENDER_AWARD, tender):
            raise PermissionDenied
        result = selectors.result_of(evaluation)
        lots = [
            {"lot": lot["lot"], "bids": [request.POST.get(f"lot:{lot['lot']}", "")]}
            for lot in result.get("lots", [])
        ]
        try:
            award = award_tender(
                tender=tender,
                actor=request.user,
                evaluation=evaluation,
                lots=lots,
                justification=request.POST.get("justification", ""),
            )
        except DomainError as error:
            self._refused(request, error)
        else:
            self.message_user(
                request,
                _("%(reference)s is awarded; the standstill period ends %(date)s.")
                % {
                    "reference": tender.reference,
                    "date": formats.when_zoned(award.standstill_ends_at),
                },
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._evaluation_url(tender, evaluation))

    def lottery_view(self, request, object_id, evaluation_id):
        tender, evaluation = self._evaluation(request, object_id, evaluation_id)
        if request.method != "POST" or not policy.may(request.user, Action.LOTTERY_DRAW, tender):
            raise PermissionDenied
        try:
            witness = User.objects.filter(
                pk=request.POST.get("witness") or None, organization_id=tender.organization_id
            ).first()
        except (ValueError, ValidationError):
            witness = None  # not an id at all
        if witness is None:
            self.message_user(request, _("Choose the witness."), messages.ERROR)
            return HttpResponseRedirect(self._evaluation_url(tender, evaluation))
        try:
            _draws, rerun = draw_lottery(evaluation=evaluation, actor=request.user, witness=witness)
        except DomainError as error:
            self._refused(request, error)
            return HttpResponseRedirect(self._evaluation_url(tender, evaluation))
        self.message_user(
            request,
            _("The lots are drawn with %(witness)s as witness; a new evaluation applies the draw.")
            % {"witness": witness},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._evaluation_url(tender, rerun))

    def verify_view(self, request, object_id, evaluation_id):
        tender, evaluation = self._evaluation(request, object_id, evaluation_id)
        if request.method != "POST" or not policy.may(
            request.user, Action.EVALUATION_VERIFY, tender
        ):
            raise PermissionDenied
        try:
            outcome = verify_evaluation(evaluation=evaluation, actor=request.user)
        except DomainError as error:
            self._refused(request, error)
        else:
            if outcome["reproducible"]:
                self.message_user(
                    request,
                    _(
                        "Verified: replaying the stored input gives the same result (SHA-256 %(sha)s)."
                    )
                    % {"sha": outcome["result_sha256"]},
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    _(
                        "NOT reproducible: the replay gives SHA-256 %(sha)s, the stored result %(stored)s."
                    )
                    % {"sha": outcome["result_sha256"], "stored": outcome["stored_result_sha256"]},
                    messages.ERROR,
                )
        return HttpResponseRedirect(self._evaluation_url(tender, evaluation))

    def evidence_view(self, request, object_id, evaluation_id):
        tender, evaluation = self._evaluation(request, object_id, evaluation_id)
        if not policy.may(request.user, Action.EVALUATION_VERIFY, tender):
            raise PermissionDenied
        if evaluation.status != Evaluation.Status.DONE:
            raise Http404
        body = evidence_zip(evaluation=evaluation, actor=request.user)
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="evidence-{tender.reference}-{str(evaluation.pk)[:8]}.zip"'
        )
        response["Cache-Control"] = "no-store"
        return response
