"""Printable records: the opening protocol, the evaluation report and the award decision.

These are the papers an officer files and sends: each is a page of the workbench to print (A4,
no admin around it on paper: static/workbench/print.css) and a PDF to download (workbench/pdf.py).
A record is built once, as a ``Record`` of sections and blocks whose texts are already in the
page's language and formats (workbench/formats.py: amounts, numbers and Swedish time with its
zone); the page and the PDF show the same ``Record``, so they cannot say different things.

Who may print what is asked as the page that shows it asks:

- the opening protocol is the tender page's: ``projection.protocol_for`` (the buyer's staff;
  without prices and hashes for evaluators blind to prices);
- the evaluation report and the award decision are the evaluation page's:
  ``Action.EVALUATION_READ`` through ``selectors.evaluations_for`` (evaluators do not read
  evaluations, as in the API). The report still goes through ``projection.sees_prices``: a
  viewer blind to prices would get no price, comparison price or amount from it.

Another organisation's tender is a 404 (the admin's scoped ``get_object``), and so is a record
that does not exist yet: no protocol before the opening, no report of an evaluation that has not
finished, no decision before the award.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib.admin.utils import quote, unquote
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from criteria.models import Category, TenderCriterion
from procurement import policy, projection
from procurement.models import Tender, User
from procurement.policy import Action
from procurement.selectors import audit_events_for
from scoring import selectors
from scoring.models import Award, Evaluation
from workbench import formats, panels, pdf, words

# A matrix of criteria by bids gets this many bids side by side; more go to the next table.
BIDS_PER_TABLE = 5
# The file names of the PDFs, per language (ASCII: a file name travels through many systems).
FILE_NAMES = {
    "opening_protocol": {"sv": "oppningsprotokoll", "en": "opening-protocol"},
    "evaluation_report": {"sv": "utvarderingsrapport", "en": "evaluation-report"},
    "award_decision": {"sv": "tilldelningsbeslut", "en": "award-decision"},
}


# --- what a record is made of --------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    mono: bool = False  # a hash or an id: in a fixed-width font


@dataclass(frozen=True)
class Facts:
    kind: ClassVar[str] = "facts"
    rows: list[Fact]


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    text: str
    level: int = 3


@dataclass(frozen=True)
class Text:
    kind: ClassVar[str] = "text"
    text: str
    tone: str = ""  # "", "note", "warning" or "error"


@dataclass(frozen=True)
class Items:
    kind: ClassVar[str] = "items"
    items: list[str]


@dataclass(frozen=True)
class Column:
    label: str
    width: float = 1.0  # relative to the other columns (the PDF's column widths)
    style: str = ""  # "", "num" (right-aligned) or "mono" (a hash)


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    columns: list[Column]
    rows: list[list[str]]
    caption: str = ""
    row_headers: bool = False  # the first cell names the row

    @property
    def body(self) -> list[list[tuple[str, str]]]:
        """Each row's cells with their column's style (for the page's template)."""
        styles = [column.style for column in self.columns]
        return [list(zip(row, styles, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Signatures:
    kind: ClassVar[str] = "signatures"
    names: list[str]


Block = Facts | Heading | Text | Items | Table | Signatures


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: list[Block]


@dataclass(frozen=True)
class Record:
    title: str
    organisation: str
    reference: str
    language: str
    facts: list[Fact]
    sections: list[Section]
    filename: str
    printed: str = field(default_factory=lambda: formats.when_zoned(timezone.now()))

    @property
    def printed_label(self) -> str:
        return _("Printed")

    @property
    def head(self) -> list[Fact]:
        """What the record's first lines say: the tender, and when this copy was printed."""
        return [*self.facts, Fact(self.printed_label, self.printed)]


# --- shared parts ----------------------------------------------------------------------------


def _name(user: User | None) -> str:
    if user is None:
        return formats.DASH
    return user.get_full_name() or user.username


def _filename(tender: Tender, kind: str, number: int | None = None) -> str:
    reference = re.sub(r"[^A-Za-z0-9._-]+", "-", tender.reference).strip("-.") or "anbud"
    name = FILE_NAMES[kind][panels.lang()]
    return f"{reference}-{name}{f'-{number}' if number else ''}.pdf"


def _head(tender: Tender, *extra: Fact) -> list[Fact]:
    return [
        Fact(capfirst(_("organization")), tender.organization.name),
        Fact(_("Reference"), tender.reference),
        Fact(capfirst(_("tender")), tender.title),
        *extra,
    ]


def _audit_fact(user: User, tender: Tender, action: str, object_id: str) -> Fact | None:
    """Where the step is in the audit trail (its event's number and hash), for whoever may read
    that event."""
    event = (
        audit_events_for(user)
        .filter(action=action, tender_id=tender.pk, object_id=object_id)
        .order_by("-sequence")
        .first()
    )
    if event is None:
        return None
    return Fact(
        _("Audit trail"),
        _("event %(sequence)s, hash %(hash)s") % {"sequence": event.sequence, "hash": event.hash},
        mono=True,
    )


def _lot_heading(lot: dict[str, Any]) -> str:
    heading = _("Lot") + " " + str(lot.get("number"))
    return f"{heading}: {lot['title']}" if lot.get("title") else heading


def _result_text(bid: dict[str, Any], prices_seen: bool) -> str:
    """A bid's result: its total in points, or its comparison price (a price: only for those
    who see prices)."""
    if bid.get("total_score") is not None:
        return formats.points(bid["total_score"])
    if bid.get("comparison_price") and prices_seen:
        return formats.money_of(bid["comparison_price"])
    return formats.DASH


def _rank_text(bid: dict[str, Any]) -> str:
    if not bid["qualified"]:
        return "✗ " + _("disqualified")
    return str(bid["rank"]) if bid.get("rank") is not None else formats.DASH


def _remarks(bid: dict[str, Any], titles: dict[str, str]) -> str:
    remarks = [f"✗ {reason['message']}" for reason in bid.get("disqualification_reasons", [])]
    tie = bid.get("tie_break")
    if tie and tie.get("rule"):
        rule = tie["rule"]
        title = titles.get(rule.removeprefix("criterion:"))
        remarks.append(_("tie-break") + ": " + words.tie_rule(rule, title))
    return "; ".join(remarks)


def _evaluation_number(user: User, tender: Tender, evaluation_id: Any) -> int | None:
    runs = list(
        selectors.evaluations_for(user)
        .filter(tender=tender)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    return runs.index(evaluation_id) + 1 if evaluation_id in runs else None


def _evaluation_words(number: int | None) -> str:
    return _("Evaluation %(number)s") % {"number": number} if number else _("Evaluation")


# --- the opening protocol --------------------------------------------------------------------


def opening_protocol(user: User, tender: Tender) -> Record | None:
    """What was recorded at the opening, as the viewer may see it; None before the opening and
    for anyone but the buyer's staff."""
    protocol = projection.protocol_for(user, tender)
    if protocol is None:
        return None
    prices_seen = projection.sees_prices(user, tender)
    bids = protocol.get("bids", [])
    officers = protocol.get("opened_by", [])
    names = [o.get("name") or o.get("username", "") for o in officers]
    count = protocol.get("bid_count", len(bids))
    facts = [
        Fact(_("Submission deadline"), formats.when_zoned(protocol.get("submission_deadline"))),
        Fact(_("Opened at"), formats.when_zoned(protocol.get("opened_at"))),
        Fact(
            capfirst(_("bids received")),
            ngettext("%(counter)s bid", "%(counter)s bids", count) % {"counter": count},
        ),
    ]
    audit = _audit_fact(user, tender, "tender.opened", str(tender.pk))
    if audit is not None:
        facts.append(audit)
    if len(names) > 1:
        steps = [
            [names[0], _("Opening started"), formats.when_zoned(tender.opening_requested_at)],
            *(
                [name, _("Opening confirmed"), formats.when_zoned(protocol.get("opened_at"))]
                for name in names[1:]
            ),
        ]
    else:
        steps = [
            [name, capfirst(_("bids opened")), formats.when_zoned(protocol.get("opened_at"))]
            for name in names
        ]
    columns = [
        Column(_("Supplier"), 2.8),
        Column(_("Lot"), 2.0, "num"),
        Column(_("Submitted"), 2.6),
    ]
    if prices_seen:
        columns += [Column(_("Price"), 2.2, "num"), Column(_("Receipt (SHA-256)"), 3.7, "mono")]
    rows = []
    for bid in bids:
        row = [
            bid.get("supplier", {}).get("name", ""),
            str(bid.get("lot", "")),
            formats.when_zoned(bid.get("submitted_at")),
        ]
        if prices_seen:
            row += [formats.money_of(bid.get("price")), bid.get("sha256") or formats.DASH]
        rows.append(row)
    received: list[Block] = [Table(columns, rows)] if rows else [Text(formats.DASH)]
    if not prices_seen:
        received.append(Text(_("Prices are hidden from evaluators of this tender."), "note"))
    return Record(
        title=_("Opening protocol"),
        organisation=tender.organization.name,
        reference=tender.reference,
        language=panels.lang(),
        facts=_head(tender),
        sections=[
            Section(_("Details"), [Facts(facts)]),
            Section(
                _("Opened by"),
                [Table([Column(_("Name"), 3), Column(_("Step"), 3), Column(_("Time"), 3)], steps)],
            ),
            Section(capfirst(_("bids received")), received),
            Section(ngettext("Signature", "Signatures", len(names)), [Signatures(names)]),
        ],
        filename=_filename(tender, "opening_protocol"),
    )


# --- the evaluation report -------------------------------------------------------------------


def _cell(criterion: dict[str, Any], prices_seen: bool) -> str:
    """A criterion's outcome for one bid, as the evaluation page's matrix shows it."""
    if criterion.get("points") is not None:
        text = formats.points(criterion["points"]) + " " + _("p")
    elif criterion.get("money"):
        text = formats.money_of(criterion["money"]) if prices_seen else formats.DASH
    elif criterion.get("passed") is not None:
        text = "✓ " + _("met") if criterion["passed"] else "✗ " + _("not met")
    else:
        text = formats.share(criterion.get("fulfilment"))
    return f"{text} ⚑" if criterion.get("flagged") else text


def _category_value(bid: dict[str, Any], key: str, money: bool) -> str:
    value = bid["categories"].get(key)
    if value is None:
        return formats.DASH
    if money:
        return formats.money_of({"amount": value, "currency": bid["price"]["currency"]})
    return formats.points(value)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lot_blocks(
    lot: dict[str, Any],
    bids: list[dict[str, Any]],
    criteria: dict[str, TenderCriterion],
    prices_seen: bool,
) -> list[Block]:
    titles = {code: panels.criterion_title(tc) for code, tc in criteria.items()}
    blocks: list[Block] = [Heading(_("Ranking"))]
    columns = [Column(_("Rank"), 1.3), Column(_("Supplier"), 3.4)]
    if prices_seen:
        columns.append(Column(_("Price"), 2.2, "num"))
    columns.append(Column(_("Result"), 2.0, "num"))
    remarks = [_remarks(bid, titles) for bid in bids]
    if any(remarks):
        columns.append(Column(_("Remarks"), 3.4))
    rows = []
    for bid, remark in zip(bids, remarks, strict=True):
        row = [_rank_text(bid), bid["supplier"]["name"]]
        if prices_seen:
            row.append(formats.money_of(bid["price"]))
        row.append(_result_text(bid, prices_seen))
        rows.append([*row, remark] if any(remarks) else row)
    blocks.append(Table(columns, rows))

    codes: list[str] = []
    for bid in bids:
        for c in bid["criteria"]:
            if c["code"] not in codes:
                codes.append(c["code"])
    if codes:
        blocks.append(Heading(_("Scores per criterion")))
        for group in _chunks(bids, BIDS_PER_TABLE):
            cells = [{c["code"]: c for c in bid["criteria"]} for bid in group]
            blocks.append(
                Table(
                    [Column(_("Criterion"), 4.0)]
                    + [Column(bid["supplier"]["name"], 2.2, "num") for bid in group],
                    [
                        [f"{titles.get(code, code)} ({code})"]
                        + [
                            _cell(found[code], prices_seen) if code in found else formats.DASH
                            for found in cells
                        ]
                        for code in codes
                    ],
                    row_headers=True,
                )
            )

    labels = {"price": _("Price")} | {key: str(label) for key, label in Category.choices}
    qualified = [bid for bid in bids if bid["qualified"]]
    keys = [key for key in labels if any(key in bid["categories"] for bid in qualified)]
    money = any(bid["categories_unit"] == "money" for bid in qualified)
    if keys and (prices_seen or not money):
        blocks.append(Heading(_("Category profile")))
        blocks.append(
            Table(
                [Column(_("Bid"), 3.4)] + [Column(labels[key], 2.0, "num") for key in keys],
                [
                    [bid["supplier"]["name"]] + [_category_value(bid, key, money) for key in keys]
                    for bid in qualified
                ],
                row_headers=True,
            )
        )

    blocks.append(Heading(_("Explanations")))
    for bid in bids:
        blocks.append(Heading(bid["supplier"]["name"], level=4))
        blocks.extend(
            Text(f"✗ {reason['message']}", "error")
            for reason in bid.get("disqualification_reasons", [])
        )
        explained = [
            [
                f"{titles.get(c['code'], c['code'])} ({c['code']})",
                panels.answer_words(criteria[c["code"]], c.get("value"))
                if c["code"] in criteria
                else formats.answer(c.get("value")),
                (c.get("explanation") or formats.DASH)
                if prices_seen or not c.get("money")
                else formats.DASH,
            ]
            for c in bid["criteria"]
        ]
        if explained:
            blocks.append(
                Table(
                    [
                        Column(_("Criterion"), 3.4),
                        Column(_("Answer"), 2.0),
                        Column(_("Explanation"), 5.6),
                    ],
                    explained,
                    row_headers=True,
                )
            )
    return blocks


def evaluation_report(
    user: User,
    tender: Tender,
    evaluation: Evaluation,
    *,
    settings: list[tuple[Any, Any]],
) -> Record:
    """A finished evaluation: the method, per lot the ranking, the criteria's scores, the
    category profile and every explanation, how robust the ranking is, and what it takes to
    reproduce it (engine version, the input's and the result's SHA-256)."""
    prices_seen = projection.sees_prices(user, tender)
    result = selectors.result_of(evaluation)
    items = selectors.result_items(evaluation, panels.lang())
    criteria = {
        tc.code: tc for tc in TenderCriterion.objects.filter(tender=tender).order_by("position")
    }
    number = _evaluation_number(user, tender, evaluation.pk)
    names = {item["bid"]: item["supplier"]["name"] for item in items}

    def named(text: str) -> str:
        # The engine names bids by their id; a reader wants the supplier.
        for bid_id, name in names.items():
            text = text.replace(bid_id, name)
        return text

    # The tender's evaluation settings in words (its method first); the method alone where
    # the settings say nothing.
    method = [Fact(str(label), str(value)) for label, value in settings] or [
        Fact(_("Method"), words.value(result.get("method") or evaluation.method))
    ]
    sections = [Section(_("Method"), [Facts(method)])]
    for lot in result.get("lots", []):
        bids = [item for item in items if item["lot"] == lot["lot"]]
        sections.append(Section(_lot_heading(lot), _lot_blocks(lot, bids, criteria, prices_seen)))

    robustness: list[Block] = []
    titles_by_id = {str(tc.pk): panels.criterion_title(tc) for tc in criteria.values()}
    sensitivity = [
        named(
            panels.sensitivity_words(
                {**item, "first": lot.get("first"), "second": lot.get("second")},
                titles_by_id,
                tender.currency,
            )
        )
        for lot in result.get("sensitivity", [])
        for item in lot.get("items", [])
        if prices_seen or item.get("unit") != "money"
    ]
    robustness.append(Items(sensitivity) if sensitivity else Text(formats.DASH))
    warnings = [panels.warning_words(w) for w in result.get("warnings", [])]
    if warnings:
        robustness += [Heading(_("Warnings")), Items([f"⚠ {w}" for w in warnings])]
    if result.get("unresolved_ties"):
        robustness += [
            Heading(_("Unresolved ties")),
            Text(
                "⚠ "
                + _(
                    "Some bids share a rank after every tie-break rule: a lottery decides, drawn "
                    "by you with a second officer as witness. The seed, the witness and the order "
                    "are recorded, and a new evaluation applies the draw."
                ),
                "warning",
            ),
        ]
    sections.append(Section(_("How robust is the ranking?"), robustness))

    reproduce = [
        Fact(_("Evaluation"), _evaluation_words(number)),
        Fact("ID", str(evaluation.pk), mono=True),
        Fact(capfirst(_("engine version")), evaluation.engine_version or formats.DASH),
        Fact(capfirst(_("input's SHA-256")), evaluation.input_sha256, mono=True),
        Fact(capfirst(_("result's SHA-256")), evaluation.result_sha256, mono=True),
        Fact(_("Started"), formats.when_zoned(evaluation.created_at)),
        Fact(_("By"), _name(evaluation.created_by)),
        Fact(capfirst(_("finished at")), formats.when_zoned(evaluation.finished_at)),
    ]
    if evaluation.derived_from_id:
        earlier = _evaluation_number(user, tender, evaluation.derived_from_id)
        reproduce.append(Fact(capfirst(_("derived from")), _evaluation_words(earlier)))
    audit = _audit_fact(user, tender, "evaluation.completed", str(evaluation.pk))
    if audit is not None:
        reproduce.append(audit)
    verified = (
        audit_events_for(user)
        .filter(action="evaluation.verified", object_id=str(evaluation.pk))
        .select_related("actor")
        .order_by("-sequence")[:3]
    )
    for event in verified:
        reproducible = (event.data or {}).get("reproducible")
        reproduce.append(
            Fact(
                capfirst(words.action(event.action)),
                f"{formats.when_zoned(event.created_at)}, "
                f"{_name(event.actor) if event.actor else event.actor_username}: "
                f"{words.key('reproducible')} {formats.yes_no(reproducible).lower()}",
            )
        )
    sections.append(
        Section(
            _("Reproducibility"),
            [
                Facts(reproduce),
                Text(
                    _(
                        "The snapshot and the result are stored with their SHA-256, so that "
                        "anyone can replay and verify the evaluation later."
                    ),
                    "note",
                ),
            ],
        )
    )
    return Record(
        title=_("Evaluation report"),
        organisation=tender.organization.name,
        reference=tender.reference,
        language=panels.lang(),
        facts=_head(tender, Fact(_("Evaluation"), _evaluation_words(number))),
        sections=sections,
        filename=_filename(tender, "evaluation_report", number),
    )


# --- the award decision ----------------------------------------------------------------------


def award_decision(user: User, tender: Tender, award: Award) -> Record:
    """The decision: per lot the winning bid(s), whether that follows the ranking, the
    justification, the standstill period, who decided and when, and the ranking it rests on."""
    prices_seen = projection.sees_prices(user, tender)
    evaluation = award.evaluation
    result = selectors.result_of(evaluation)
    items = selectors.result_items(evaluation, panels.lang())
    by_bid = {item["bid"]: item for item in items}
    lots = {lot["lot"]: lot for lot in result.get("lots", [])}
    titles = {
        tc.code: panels.criterion_title(tc) for tc in TenderCriterion.objects.filter(tender=tender)
    }
    number = _evaluation_number(user, tender, evaluation.pk)

    rows = []
    for decided in award.lots:
        lot = lots.get(str(decided.get("lot")), {})
        winners = [by_bid[str(b)] for b in decided.get("bids", []) if str(b) in by_bid]
        rows.append(
            [
                _lot_heading(lot) if lot else formats.DASH,
                ", ".join(w["supplier"]["name"] for w in winners) or formats.DASH,
                ", ".join(_rank_text(w) for w in winners) or formats.DASH,
                ", ".join(_result_text(w, prices_seen) for w in winners) or formats.DASH,
                formats.yes_no(not decided.get("follows_ranking", True)),
            ]
        )
    decision: list[Block] = [
        Table(
            [
                Column(_("Lot"), 3.0),
                Column(_("Winning bid"), 3.2),
                Column(_("Rank"), 1.3, "num"),
                Column(_("Result"), 2.0, "num"),
                Column(capfirst(_("deviates from ranking")), 1.8),
            ],
            rows,
        )
    ]
    if award.deviates_from_ranking:
        deviates = _("The award deviates from the evaluation's ranking.")
        decision.append(Text(f"⚠ {deviates}", "warning"))
    facts = [
        Fact(capfirst(_("decided at")), formats.when_zoned(award.decided_at)),
        Fact(capfirst(_("decided by")), _name(award.decided_by)),
        Fact(capfirst(_("standstill ends at")), formats.when_zoned(award.standstill_ends_at)),
        Fact(_("Evaluation"), _evaluation_words(number)),
        Fact(capfirst(_("result's SHA-256")), evaluation.result_sha256, mono=True),
    ]
    audit = _audit_fact(user, tender, "tender.awarded", str(tender.pk))
    if audit is not None:
        facts.append(audit)
    decision += [
        Facts(facts),
        Text(
            _("The standstill period ends %(ends)s; the contract may not be signed before.")
            % {"ends": formats.when_zoned(award.standstill_ends_at)}
        ),
    ]
    method = words.value(result.get("method") or evaluation.method)
    ranking: list[Block] = [Facts([Fact(_("Method"), method)])]
    for lot in result.get("lots", []):
        bids = [item for item in items if item["lot"] == lot["lot"]]
        remarks = [_remarks(bid, titles) for bid in bids]
        columns = [
            Column(_("Rank"), 1.3),
            Column(_("Supplier"), 3.6),
            Column(_("Result"), 2.0, "num"),
        ]
        rows = [
            [_rank_text(bid), bid["supplier"]["name"], _result_text(bid, prices_seen)]
            for bid in bids
        ]
        if any(remarks):
            columns.append(Column(_("Remarks"), 4.0))
            rows = [[*row, remark] for row, remark in zip(rows, remarks, strict=True)]
        ranking += [Heading(_lot_heading(lot)), Table(columns, rows)]
    return Record(
        title=_("Award decision"),
        organisation=tender.organization.name,
        reference=tender.reference,
        language=panels.lang(),
        facts=_head(tender),
        sections=[
            Section(_("Decision"), decision),
            Section(_("Justification"), [Text(award.justification)]),
            Section(_("Ranking"), ranking),
            Section(
                ngettext("Signature", "Signatures", 1), [Signatures([_name(award.decided_by)])]
            ),
        ],
        filename=_filename(tender, "award_decision"),
    )


# --- where the records are offered ---------------------------------------------------------


def links_for(user: User, tender: Tender, evaluation: Evaluation | None = None) -> list[dict]:
    """The records this user may print from a page: the tender page (no evaluation) offers the
    opening protocol and the award decision, an evaluation's page its report and the decision.
    Each link is offered exactly when its view would answer."""
    found = []

    def offer(label: str, name: str, *args: Any) -> None:
        found.append(
            {
                "label": label,
                "page": reverse(f"admin:procurement_{name}", args=args),
                "pdf": reverse(f"admin:procurement_{name}_pdf", args=args),
            }
        )

    pk = quote(tender.pk)
    readers = policy.may(user, Action.EVALUATION_READ, tender)
    if evaluation is None:
        if projection.protocol_for(user, tender) is not None:
            offer(_("Opening protocol"), "tender_opening_protocol", pk)
    elif readers and evaluation.status == Evaluation.Status.DONE:
        offer(_("Evaluation report"), "tender_evaluation_report", pk, evaluation.pk)
    if (
        readers
        and tender.status == Tender.Status.AWARDED
        and Award.objects.filter(tender=tender).exists()
    ):
        offer(_("Award decision"), "tender_award_decision", pk)
    return found


# --- the views (mixed into the Tender admin) -----------------------------------------------


def pdf_response(record: Record) -> HttpResponse:
    response = HttpResponse(pdf.render(record), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{record.filename}"'
    return response


class RecordPagesMixin:
    """Added to the Tender admin: the printable records' pages and PDFs."""

    # From the admin this is mixed into (ScopedAdmin's raises Http404 rather than return None).
    get_object: Callable[..., Tender]
    evaluation_summary: Callable[..., list[tuple[Any, Any]]]
    _render: Callable[..., TemplateResponse]

    def record_views(self) -> list[tuple[str, Callable[..., Any], str]]:
        """(path suffix after the tender's id, view, URL name after 'procurement_')."""
        protocol = "opening/protocol/"
        report = "evaluations/<uuid:evaluation_id>/report/"
        decision = "award/decision/"
        return [
            (protocol, self.opening_protocol_view, "tender_opening_protocol"),
            (f"{protocol}pdf/", self.opening_protocol_pdf_view, "tender_opening_protocol_pdf"),
            (report, self.evaluation_report_view, "tender_evaluation_report"),
            (f"{report}pdf/", self.evaluation_report_pdf_view, "tender_evaluation_report_pdf"),
            (decision, self.award_decision_view, "tender_award_decision"),
            (f"{decision}pdf/", self.award_decision_pdf_view, "tender_award_decision_pdf"),
        ]

    def _page(self, request, tender: Tender, record: Record, pdf_url: str) -> TemplateResponse:
        return self._render(
            request,
            tender,
            "print_record.html",
            title=record.title,
            record=record,
            pdf_url=pdf_url,
            is_nav_sidebar_enabled=False,
        )

    # The opening protocol: the tender page's.

    def _opening_protocol(self, request, object_id) -> tuple[Tender, Record]:
        tender = self.get_object(request, unquote(object_id))
        record = opening_protocol(request.user, tender)
        if record is None:
            raise Http404
        return tender, record

    def opening_protocol_view(self, request, object_id):
        tender, record = self._opening_protocol(request, object_id)
        url = reverse("admin:procurement_tender_opening_protocol_pdf", args=[quote(tender.pk)])
        return self._page(request, tender, record, url)

    def opening_protocol_pdf_view(self, request, object_id):
        return pdf_response(self._opening_protocol(request, object_id)[1])

    # The evaluation report: the evaluation page's.

    def _evaluation_report(self, request, object_id, evaluation_id) -> tuple[Tender, Record]:
        tender = self.get_object(request, unquote(object_id))
        evaluation = (
            selectors.evaluations_for(request.user)
            .filter(tender=tender, pk=evaluation_id, status=Evaluation.Status.DONE)
            .first()
        )
        if evaluation is None:
            raise Http404
        settings = self.evaluation_summary(tender)
        return tender, evaluation_report(request.user, tender, evaluation, settings=settings)

    def evaluation_report_view(self, request, object_id, evaluation_id):
        tender, record = self._evaluation_report(request, object_id, evaluation_id)
        url = reverse(
            "admin:procurement_tender_evaluation_report_pdf",
            args=[quote(tender.pk), evaluation_id],
        )
        return self._page(request, tender, record, url)

    def evaluation_report_pdf_view(self, request, object_id, evaluation_id):
        return pdf_response(self._evaluation_report(request, object_id, evaluation_id)[1])

    # The award decision: the evaluation page's too.

    def _award_decision(self, request, object_id) -> tuple[Tender, Record]:
        tender = self.get_object(request, unquote(object_id))
        award = (
            Award.objects.filter(tender=tender).select_related("evaluation", "decided_by").first()
        )
        # The evaluation page's question: may this user read the award's evaluation?
        readable = selectors.evaluations_for(request.user).filter(tender=tender)
        if award is None or not readable.filter(pk=award.evaluation_id).exists():
            raise Http404
        return tender, award_decision(request.user, tender, award)

    def award_decision_view(self, request, object_id):
        tender, record = self._award_decision(request, object_id)
        url = reverse("admin:procurement_tender_award_decision_pdf", args=[quote(tender.pk)])
        return self._page(request, tender, record, url)

    def award_decision_pdf_view(self, request, object_id):
        return pdf_response(self._award_decision(request, object_id)[1])
