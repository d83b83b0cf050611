"""Every workbench page a buyer role can reach is Swedish when the language is Swedish.

The demo region's data, plus a tender in every remaining state (closed, opening, evaluated,
awarded, cancelled, amended), is crawled as each buyer role (officer, evaluator, auditor,
admin): every link under /admin/ that the pages offer, lists with their filters included. A
page fails on:

- English from a catalogue: a text that Django's or our catalogue holds (a msgid of two words
  or more) shown in English, because it has no Swedish or was not translated where it was
  written;
- data shown as JSON (a list or an object in quotes and brackets);
- English words no catalogue holds ("the", "and", "of", ...), as in data or a text never
  marked for translation;
- a raw code from our vocabularies where a word exists (text a person types, in a textarea,
  is input, not display): a method, a price scoring, a mode, a
  tie-break rule, a check, a criterion kind or category, an option key, a bid document kind,
  an audit action.

Text marked lang="en" (a criterion's English title, read only) is English on purpose.
"""

import datetime as dt
import html
import re
from collections import deque
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import django
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from criteria.models import Criterion
from criteria.services import amend_tender
from procurement.models import Tender, User
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from procurement.services.tenders import cancel_tender, publish_tender
from scoring.engine import inputs as vocabulary
from scoring.models import Evaluation
from scoring.services.award import award_tender
from scoring.services.runs import run_evaluation, start_evaluation
from tests.conftest import load_shared_library
from tests.scenarios import new_tender

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("contrib/admin", "contrib/auth", "conf")
ROLES = ("officer1", "evaluator1", "auditor1", "regionadmin")
MAX_PAGES = 400
MAX_VARIANTS = 4  # query-string variants of one path (list filters, pages, orderings)
# Pages of one shape (the same path but for its ids): enough for a tender in every state and a
# criterion of every rule type, not every audit event.
MAX_PER_SHAPE = 12
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SKIP = re.compile(
    r"/(logout|password_change|export|download|evidence|delete|jsi18n|autocomplete)/|"
    r"/documents/[0-9a-f-]{36}/$|\?.*(_popup|_to_field|o=)"
)


# Small English words that Swedish does not have ("is" and "by" are left out: Swedish has them).
ENGLISH_WORDS = re.compile(
    r"(?<![\w'-])(the|and|of|to|with|from|which|this|must|should|are|was|were)(?![\w'-])"
)


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (plurals by their singular; the header left out)."""
    entries: dict[str, str] = {}
    msgid = msgstr = None
    target = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            if msgid:
                entries[msgid] = msgstr or ""
            msgid, msgstr, target = _unquote(line[6:]), "", "id"
        elif line.startswith("msgid_plural"):
            target = None
        elif line.startswith("msgstr ") or line.startswith("msgstr[0]"):
            msgstr, target = _unquote(line.split(" ", 1)[1]), "str"
        elif line.startswith('"') and target == "id":
            msgid += _unquote(line)
        elif line.startswith('"') and target == "str":
            msgstr += _unquote(line)
        elif not line.strip() and msgid is not None:
            if msgid:
                entries[msgid] = msgstr or ""
            msgid = None
            target = None
    return entries


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1].replace('\\"', '"').replace("\\n", "\n") if text.startswith('"') else ""


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _english_phrases() -> tuple[set[str], list[re.Pattern]]:
    """Texts of Django's admin and of ours that read as English on a Swedish page: every msgid
    of the English catalogues (Django's admin, auth and core, and ours), also those Django's
    Swedish catalogue lacks; those with placeholders as patterns. A msgid whose Swedish is the
    same text ("OK") is left out."""
    django_root = Path(django.__file__).parent
    swedish = [
        ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po",
        *(django_root / part / "locale" / "sv" / "LC_MESSAGES" / "django.po" for part in PARTS),
    ]
    english = [
        ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po",  # our msgids are English
        *(django_root / part / "locale" / "en" / "LC_MESSAGES" / "django.po" for part in PARTS),
    ]
    same = set()
    for catalogue in swedish:
        same |= {msgid for msgid, msgstr in _po_entries(catalogue).items() if msgstr == msgid}
    phrases: set[str] = set()
    patterns: list[re.Pattern] = []
    for catalogue in english:
        for msgid in _po_entries(catalogue):
            if msgid in same or not re.search(r"[a-z]{3}", msgid):
                continue
            pieces = [re.sub(r"\s+", " ", piece) for piece in _PLACEHOLDER.split(msgid)]
            if len(pieces) == 1:
                if len(msgid.split()) >= 2:
                    phrases.add(" ".join(msgid.split()))
                continue
            fixed = " ".join(piece.strip() for piece in pieces if piece.strip())
            if len(fixed.split()) < 2 or "{" in fixed:
                continue
            pattern = r"\S+(?: \S+){0,3}".join(re.escape(piece) for piece in pieces).strip()
            patterns.append(re.compile(rf"(?<!\w){pattern}(?!\w)"))
    return phrases, patterns


def _raw_codes() -> set[str]:
    codes = {
        *vocabulary.METHODS,
        *vocabulary.PRICE_SCORINGS,
        *vocabulary.ADDED_VALUE_MODES,
        *vocabulary.TIE_RULES,
        "contract_condition",
        "small_supplier",
        "animal_welfare",
        "supplier_profile",
        "price_sheet",
        "evaluators_see_prices",
        "price_weight",
    }
    for criterion in Criterion.objects.all():
        codes.update((criterion.rule or {}).get("options", {}) or {})
    for path in (ROOT / "criteria" / "checks.py", ROOT / "procurement" / "checks.py"):
        codes.update(re.findall(r'"([a-z]+(?:_[a-z0-9]+)+)"', path.read_text()))
    codes.update(AuditEvent.objects.values_list("action", flat=True).distinct())
    return {c for c in codes if "_" in c or "." in c}


def _world():
    load_shared_library()
    call_command("load_demo_data", verbosity=0)
    officer = User.objects.get(username="officer1")
    second = User.objects.get(username="officer2")
    bidders = [User.objects.get(username=name) for name in ("bidder_micro", "bidder_medium")]
    states = {}
    for state in ("closed", "opening", "evaluated", "awarded", "cancelled"):
        tender = publish_tender(
            tender=new_tender(officer, reference=f"KRAWL-{state.upper()}"), actor=officer
        )
        for i, bidder in enumerate(bidders):
            bid = create_bid(
                actor=bidder, tender=tender, lot=None, price_amount=Decimal(500000 + i * 1000)
            )
            submit_bid(bid=bid, actor=bidder)
        Tender.objects.filter(pk=tender.pk).update(
            submission_deadline=timezone.now() - dt.timedelta(hours=1)
        )
        tender.refresh_from_db()
        if state in ("opening", "evaluated", "awarded"):
            tender = open_tender(tender=tender, actor=officer)
        if state in ("evaluated", "awarded"):
            tender = open_tender(tender=tender, actor=second)
            started = start_evaluation(tender=tender, actor=officer)
            run_evaluation(started.pk)
        if state == "awarded":
            done = Evaluation.objects.get(tender=tender, status=Evaluation.Status.DONE)
            cheapest = tender.bids.filter(status="submitted").order_by("price_amount").first()
            award_tender(
                tender=tender,
                actor=officer,
                evaluation=done,
                lots=[{"lot": str(tender.lots.get().pk), "bids": [str(cheapest.pk)]}],
                justification="Lägsta pris",
            )
        if state == "cancelled":
            cancel_tender(tender=tender, actor=officer, reason="Behovet har upphört")
        states[state] = tender.pk
    published = Tender.objects.get(reference="NLL-2026-0077")
    amend_tender(
        tender=published,
        actor=officer,
        reason="Längre tid för små leverantörer",
        changes={"submission_deadline": published.submission_deadline + dt.timedelta(days=7)},
    )
    return {"states": {k: str(v) for k, v in states.items()}}


@pytest.fixture(scope="module")
def world(module_db):
    return module_db(_world)


def _text(page: str) -> str:
    # What a person reads: not scripts, and not what they type (a textarea's content is input).
    page = re.sub(r"<(script|style|template|textarea)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    # Text marked as English (a criterion's English title, read only) is English on purpose.
    page = re.sub(r'<(\w+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
    # What a screen reader reads too: alternative texts, titles, labels, placeholders.
    page = re.sub(
        r'<[^>]*?\s(?:alt|title|aria-label|placeholder)="([^"]*)"[^>]*>', r" \1 \g<0>", page
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _links(page: str, base: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)"', page):
        url = urljoin(base, html.unescape(href))
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/admin/"):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _crawl(username: str) -> dict[str, str]:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    client.cookies["django_language"] = "sv"
    seen: dict[str, str] = {}
    variants: dict[str, int] = {}
    shapes: dict[str, int] = {}
    paths: set[str] = set()
    queue = deque(["/admin/"])
    found_on: dict[str, str] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = url.split("?")[0]
        if url in seen or SKIP.search(url):
            continue
        if "?" in url:
            if variants.get(path, 0) >= MAX_VARIANTS:
                continue
            variants[path] = variants.get(path, 0) + 1
        shape = UUID.sub("<id>", path)
        if path not in paths:
            if shapes.get(shape, 0) >= MAX_PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
            paths.add(path)
        response = client.get(url)
        assert response.status_code < 500, (username, url, response.status_code)
        # A link a page offers leads somewhere: no page links to what is not there.
        assert response.status_code != 404, (username, url, "linked from", found_on.get(url))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = ""
            continue
        page = response.content.decode()
        seen[url] = _text(page)
        for link in _links(page, url):
            if link not in seen:
                found_on.setdefault(link, url)
                queue.append(link)
    return seen


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_buyer_role_reaches_is_swedish(world, username, db):
    pages = _crawl(username)
    (english, english_patterns), codes = _english_phrases(), _raw_codes()
    findings: dict[tuple[str, str], str] = {}
    for url, text in pages.items():
        if not text:
            continue
        padded = f" {text} "
        for phrase in english:
            for ending in (" ", ".", ":", ",", ")"):
                at = padded.find(f" {phrase}{ending}")
                if at >= 0:
                    findings.setdefault(("english", phrase), f"{url} … {padded[at - 60 : at + 80]}")
                    break
        for pattern in english_patterns:
            if found := pattern.search(text):
                around = text[max(0, found.start() - 60) : found.end() + 40]
                findings.setdefault(("english", pattern.pattern), f"{url} … {around}")
        # English that no catalogue holds (data, or a text never marked for translation).
        for word in ENGLISH_WORDS.findall(text):
            at = text.find(f" {word} ")
            findings.setdefault(
                ("english word", word), f"{url} … {text[max(0, at - 60) : at + 60]}"
            )
        # Data shown as JSON ('["03142500", ...]', '{"goal": ...}') is not for a person.
        if found := re.search(r'\[\s*"[^"]*"\s*[,\]]|\{\s*"\w+"\s*:', text):
            around = text[max(0, found.start() - 60) : found.end() + 40]
            findings.setdefault(("json", found.group(0)), f"{url} … {around}")
        for code in codes:
            found = re.search(rf"(?<![\w./-]){re.escape(code)}(?![\w/-])", text)
            if found:
                around = text[max(0, found.start() - 60) : found.end() + 40]
                findings.setdefault(("code", code), f"{url} … {around}")
    print(f"crawl as {username}: {sum(1 for t in pages.values() if t)} pages read")
    assert len(pages) > 20, sorted(pages)
    assert findings == {}, "\n".join(
        f"{kind}: {what!r} at {where}" for (kind, what), where in sorted(findings.items())
    )
