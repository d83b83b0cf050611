"""Score: every criterion of a lot for every bid, into records, amounts and fulfilments.

The hot loop (``Scorer.score_lot``; bench/engine.py: 2,000 bids x 25 criteria) runs
criterion by criterion over all bids of a lot (columns), with C calls (``map``, ``zip``,
``itemgetter``) over lists instead of Python statements per bid. The outcome of a rule
depends only on the answer (of a manual criterion: only on the scores and who gave them),
so each compiled criterion keeps, per distinct answer, the record, the amount and the
fulfilment; a criterion score then costs two dict lookups, and ``fold.py`` adds it to the
bid's running sums. New answers are scored when first met (``_learn``), by the learner
chosen for the criterion at compile time: a rule-scored award criterion's in a lean loop
whose records share the criterion's explainer instead of each holding a sentence,
everything else by ``outcome.py``. The working data holds no reference cycles: what is
not returned is freed at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import itemgetter
from typing import Any

from scoring.engine.compile import CompiledCriterion, remember
from scoring.engine.decimal_context import ZERO
from scoring.engine.fold import LotColumns, fold_criterion
from scoring.engine.fulfilment import NONE, AnswerError
from scoring.engine.inputs import Bid, EvaluationInput
from scoring.engine.outcome import Outcomes
from scoring.engine.results import CriterionResult, Money, from_fields

# one criterion of a lot in the hot loop: (slot, criterion, answer from the bid?, response
# key or profile field, category, code if a tie-break names it)
SpecEntry = tuple[int, CompiledCriterion, bool, str, str, str | None]


@dataclass(slots=True)
class LotSpec:
    """A lot's criteria laid out for the hot loop, rule-scored and manual apart."""

    size: int
    plain: list[SpecEntry]
    manual: list[SpecEntry]


def lot_spec(criteria: list[CompiledCriterion], tie_codes: set[str]) -> LotSpec:
    spec = LotSpec(size=len(criteria), plain=[], manual=[])
    for slot, cc in enumerate(criteria):
        c = cc.criterion
        entry = (
            slot,
            cc,
            c.source == "bid",
            c.id if c.source == "bid" else (c.profile_field or ""),
            c.category,
            c.code if c.code in tie_codes else None,
        )
        (spec.manual if cc.manual is not None else spec.plain).append(entry)
    return spec


class Scorer(Outcomes):
    """Scores the lots of one evaluation (the outcome of one answer: ``Outcomes``);
    collects the manual items whose scores are missing (``missing``) or spread too much
    (``flagged``)."""

    def __init__(self, data: EvaluationInput) -> None:
        super().__init__(data)
        self.missing: list[dict[str, str]] = []
        self.flagged: list[dict[str, str]] = []

    def needed_score(self) -> str:
        if self.config.aggregation == "consensus":
            return "consensus score"
        return "evaluator score"

    # -- one lot --------------------------------------------------------------------------

    def score_lot(self, bids: list[Bid], spec: LotSpec) -> LotColumns:
        """Every criterion of the lot for every bid: the engine's hot loop (see the module
        docstring). Criterion by criterion (columns), so most of the work is ``map`` over
        lists: a known answer costs two dict lookups and one Decimal addition."""
        responses = [bid.responses for bid in bids]
        profiles: list[dict[str, Any]] | None = None
        prices = [bid.price for bid in bids]
        cols = LotColumns(columns=[()] * spec.size, reasons={}, sums={}, rates=None, by_code={})
        # the answers to the criteria read from the bid, each bid's responses read once
        # (one C call per bid) when every bid answered all of them, else per criterion
        asked = [field_name for _, _, from_bid, field_name, _, _ in spec.plain if from_bid]
        read: dict[str, Any] = {}
        if len(asked) > 1 and responses:
            try:
                rows = map(itemgetter(*asked), responses)
                read = dict(zip(asked, zip(*rows, strict=True), strict=True))
            except KeyError:
                read = {}
        for slot, cc, from_bid, field_name, category, tie_code in spec.plain:
            # answers are texts, true/false or None (inputs hold no other kinds), so an
            # answer is its own key: no two kinds compare equal
            if from_bid:
                given = read.get(field_name)
                answers = (
                    given
                    if given is not None
                    else list(map(dict.get, responses, repeat(field_name)))
                )
            else:
                if profiles is None:
                    profiles = [bid.supplier.profile for bid in bids]
                answers = list(map(dict.get, profiles, repeat(field_name)))
            records = cc.records
            try:
                column = list(map(records.__getitem__, answers))
            except KeyError:
                self._learn(cc, answers, bids)
                column = list(map(records.__getitem__, answers))
            fold_criterion(cc, answers, column, slot, category, tie_code, prices, cols)
        if spec.manual:
            # a bid disqualified by a rule-scored requirement needs no manual scores
            disqualified = set(cols.reasons)
            bid_ids = [bid.id for bid in bids]
        for slot, cc, _, _, category, tie_code in spec.manual:
            criterion = cc.criterion
            keys = list(map(self.manual_keys.get(criterion.id, {}).get, bid_ids, repeat(0)))
            records = cc.records
            try:
                column = list(map(records.__getitem__, keys))
            except KeyError:
                self._learn(cc, keys, bids)
                column = list(map(records.__getitem__, keys))
            if cc.missing:
                for i in compress(count(), map(cc.missing.__contains__, keys)):
                    if i not in disqualified:
                        self.missing.append(
                            {"bid": bid_ids[i], "criterion": criterion.id, "code": criterion.code}
                        )
            if cc.flagged:
                self.flagged.extend(
                    {"bid": bid_ids[i], "criterion": criterion.id}
                    for i in compress(count(), map(cc.flagged.__contains__, keys))
                )
            fold_criterion(cc, keys, column, slot, category, tie_code, prices, cols)
        return cols

    # -- new answers ----------------------------------------------------------------------

    def _learn(self, cc: CompiledCriterion, keys: list[Any], bids: list[Bid]) -> None:
        """Score the keys the criterion has not met yet, in the order the bids first give
        them (so an answer the rule cannot read is reported for the first bid that gave
        it). (No function that refers to the evaluation is kept on the criterion: that
        would make a reference cycle, freed only by the cyclic collector.)"""
        known = cc.records
        new = [key for key in dict.fromkeys(keys) if key not in known]

        def bid_of(key: Any) -> Bid:
            return bids[keys.index(key)]

        learner = cc.learner
        if learner == "award":
            self._learn_award(cc, new, bid_of)
        elif learner == "manual":
            self._learn_scores(cc, new)
        else:
            for answer in new:
                remember(cc, answer, self._outcome(cc, answer, bid_of))

    def _learn_award(
        self, cc: CompiledCriterion, answers: list[Any], bid_of: Callable[[Any], Bid]
    ) -> None:
        """Records for a rule-scored award criterion's new answers, as ``_outcome`` builds
        them, in a lean loop: the records share the criterion's explainer instead of each
        holding a sentence (and the error for an answer the rule cannot read)."""
        criterion, scorer, factor = cc.criterion, cc.scorer, cc.factor
        assert scorer is not None
        currency, kind = self.currency, cc.contributes
        explainer = cc.explainer
        ident, code, category = criterion.id, criterion.code, criterion.category
        for answer in answers:
            if answer is None:
                num, den = NONE
            else:
                try:
                    num, den = scorer(answer)
                except AnswerError as exc:
                    raise self._unreadable(cc, answer, bid_of, exc) from None
            value = str(answer) if answer.__class__ is int else answer
            fulfilment = num / den
            record: tuple[Any, ...]
            if kind == "points":
                amount = factor * num / den
                record = (ident, code, "award", category, value, fulfilment, explainer, amount,
                          None, None, False, None, ())  # fmt: skip
            else:
                amount = factor * (num if kind == "deduction" else den - num) / den
                record = (ident, code, "award", category, value, fulfilment, explainer, None,
                          from_fields(Money, (amount, currency)), None, False, None, ())  # fmt: skip
            cc.records[answer] = from_fields(CriterionResult, record)
            cc.amounts[answer] = amount
            cc.fulfilments[answer] = fulfilment

    def _learn_scores(self, cc: CompiledCriterion, numbers: list[int]) -> None:
        for key in numbers:
            outcome = self._manual_outcome(cc, self.manual_key[key])
            if outcome is None:  # the needed scores are missing: reported per bid
                cc.missing.add(key)
                contribution = ZERO if cc.contributes is not None else None
                outcome = (self._unscored(cc), contribution, None, ZERO)
            elif outcome[0].flagged:
                cc.flagged.add(key)
            remember(cc, key, outcome)
