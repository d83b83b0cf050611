"""The contract, proven: a Python client generated from the committed openapi.yaml by
openapi-python-client drives a live server through a whole tender, with nothing else.

Tokens; a tender with two lots; a library criterion and an own one; checks; a 412 for a
stale If-Match and a 409 for a second publish, both parsed into the client's Problem model;
publish; a tender document; a bid with responses and a document, submitted; the opening by
two officers; an evaluator's declaration and scores; consensus; an evaluation with its
results and verification; the award; the audit export. Money stays a decimal string.
"""

import datetime as dt
import hashlib
import importlib
import inspect
import io
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Ett-långt-lösen-2026"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


CLIENTS = ROOT / "build" / "test-client"


def _generate(into: Path) -> None:
    bin_dir = Path(sys.executable).parent
    run = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi.yaml"),
            "--config",
            str(ROOT / "clients" / "openapi-python-client.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(into),
        ],
        capture_output=True,
        text=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr


@pytest.fixture(scope="module")
def generated():
    """The client, generated into build/ (not committed) and imported from there. A client
    generated without warnings is kept for the same document, settings and generator: the
    next run uses it, and a change to any of the three generates a new one."""
    key = hashlib.sha256(
        (ROOT / "openapi.yaml").read_bytes()
        + (ROOT / "clients" / "openapi-python-client.yaml").read_bytes()
        + version("openapi-python-client").encode()
    ).hexdigest()[:16]
    home = CLIENTS / key
    if not (home / "anbud_client" / "__init__.py").exists():
        staging = CLIENTS / f"{key}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        _generate(staging / "anbud_client")
        for old in CLIENTS.iterdir():  # clients of earlier documents
            if not old.name.startswith(key):
                shutil.rmtree(old, ignore_errors=True)
        try:
            staging.rename(home)
        except OSError:  # another run kept the same client first
            shutil.rmtree(staging)
    sys.path.insert(0, str(home))
    try:
        yield lambda name: importlib.import_module(f"anbud_client.{name}")
    finally:
        sys.path.remove(str(home))
        for name in [m for m in sys.modules if m.startswith("anbud_client")]:
            del sys.modules[name]


def person(make_user, org, username, role):
    user = make_user(role, org, username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_generated_client_runs_a_tender_from_draft_to_award(
    generated,
    live_server,
    make_user,
    buyer,
    supplier,
    shared_library,
    time_machine,
    flushable_audit_trail,
):
    time_machine.move_to(timezone.now(), tick=True)
    for username, role in (
        ("olle", "officer"),
        ("greta", "officer"),
        ("eva", "evaluator"),
        ("aud", "auditor"),
    ):
        person(make_user, buyer, username, role)
    person(make_user, supplier, "bo", "bidder")

    base = generated("client")
    models = generated("models")
    types = generated("types")
    auth = generated("api.auth.auth_token_create")

    def login(username):
        answer = auth.sync_detailed(
            client=base.Client(live_server.url),
            body=models.TokenRequestRequest(username=username, password=PASSWORD),
        )
        assert answer.status_code == 200, answer.content
        return base.AuthenticatedClient(live_server.url, token=answer.parsed.token, prefix="Token")

    def call(module, *args, expect=200, **kwargs):
        """One operation. A POST carries an Idempotency-Key (the generated client has the
        parameter) and is sent twice, as a client retrying after a lost answer would: the
        second answer is the first one replayed, and nothing is done twice. Every 201 names
        its object in Location, and a GET there reads it."""
        function = generated(module).sync_detailed
        keyed = "idempotency_key" in inspect.signature(function).parameters
        if keyed:
            kwargs["idempotency_key"] = str(uuid.uuid4())
        answer = function(*args, **kwargs)
        assert answer.status_code == expect, (module, answer.status_code, answer.content[:800])
        if keyed:
            again = function(*args, **kwargs)
            assert again.status_code == expect, (module, again.status_code, again.content[:800])
            assert again.headers.get("idempotent-replayed") == "true", module
            assert again.content == answer.content, module
            replays.append(module)
        if expect == 201:
            location = answer.headers.get("location")
            assert location, (module, "no Location")
            client = kwargs["client"].get_httpx_client()
            read = client.get(location)
            assert read.status_code == 200, (module, location, read.status_code)
            created = json.loads(answer.content)
            assert read.json().get("id") == created.get("id"), (module, location)
            located.append(module)
        return answer.parsed

    replays: list[str] = []
    located: list[str] = []

    officer, second, evaluator, auditor, bidder = map(login, ("olle", "greta", "eva", "aud", "bo"))

    deadline = timezone.now() + dt.timedelta(days=40)
    tender = call(
        "api.tenders.tenders_create",
        client=officer,
        expect=201,
        body=models.TenderInputRequest.from_dict(
            {
                "reference": "GEN-2026-1",
                "title": "Livsmedel",
                "procedure": "open",
                "cpv_codes": ["15000000"],
                "currency": "SEK",
                "estimated_value": {"amount": "1200000.00", "currency": "SEK"},
                "submission_deadline": deadline.isoformat(),
                "evaluation": {
                    "method": "weighted_points",
                    "price_weight": "60",
                    "price_scoring": "proportional",
                },
            }
        ),
    )
    assert tender.estimated_value.amount == "1200000.00"  # a decimal string, end to end
    call(
        "api.tenders.tenders_lots_create",
        tender.id,
        client=officer,
        expect=201,
        body=models.LotInputRequest.from_dict({"title": "Förskolor"}),
    )
    library = call("api.criteria.criteria_list", client=officer, search="ENV-ORGANIC-SHARE")
    organic = next(c for c in library.results if c.code == "ENV-ORGANIC-SHARE")
    assert organic.rule.type_ == "linear"  # a typed rule model, from the union
    tc_organic = call(
        "api.tenders.tenders_criteria_create",
        tender.id,
        client=officer,
        expect=201,
        body=models.TenderCriterionInputRequest.from_dict(
            {"criterion": str(organic.id), "weight": "20"}
        ),
    )
    tc_plan = call(
        "api.tenders.tenders_criteria_create",
        tender.id,
        client=officer,
        expect=201,
        body=models.TenderCriterionInputRequest.from_dict(
            {
                "definition": {
                    "code": "QUAL-PLAN",
                    "title": "Genomförandeplan",
                    "category": "quality",
                    "kind": "award",
                    "rule": {"type": "manual", "scale_max": 5},
                },
                "weight": "20",
            }
        ),
    )
    checks = call("api.tenders.tenders_checks_retrieve", tender.id, client=officer)
    assert [c for c in checks if c.severity == "error"] == []

    # A stale If-Match and a second publish: problem details, parsed by the client.
    stale = generated("api.tenders.tenders_partial_update").sync_detailed(
        tender.id,
        client=officer,
        body=models.PatchedTenderInputRequest.from_dict({"title": "Livsmedel 2026"}),
        if_match=f'"{tender.id.hex[:8]}-0"',
    )
    assert stale.status_code == 412 and isinstance(stale.parsed, models.Problem)
    assert stale.parsed.code == "stale_version"
    call("api.tenders.tenders_publish_create", tender.id, client=officer)
    again = generated("api.tenders.tenders_publish_create").sync_detailed(tender.id, client=officer)
    assert again.status_code == 409 and isinstance(again.parsed, models.Problem)
    assert again.parsed.code == "not_draft"

    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    document = call(
        "api.tenders.tenders_documents_create",
        tender.id,
        client=officer,
        expect=201,
        body=models.TenderDocumentUploadRequest(
            file=types.File(
                payload=io.BytesIO(pdf), file_name="call.pdf", mime_type="application/pdf"
            ),
            kind=models.TenderDocumentKindEnum("call"),
        ),
    )
    assert len(document.sha256) == 64

    lot_1 = call("api.tenders.tenders_lots_list", tender.id, client=bidder).results[0]
    bid = call(
        "api.bids.bids_create",
        client=bidder,
        expect=201,
        body=models.BidInputRequest.from_dict(
            {
                "tender": str(tender.id),
                "lot": str(lot_1.id),
                "price": {"amount": "950000.00", "currency": "SEK"},
                "responses": [
                    {"tender_criterion": str(tc_organic.id), "value": "80"},
                    {"tender_criterion": str(tc_plan.id), "value": "Vi startar vecka 1."},
                ],
            }
        ),
    )
    call(
        "api.bids.bids_documents_create",
        bid.id,
        client=bidder,
        expect=201,
        body=models.BidDocumentUploadRequest(
            file=types.File(
                payload=io.BytesIO(pdf), file_name="intyg.pdf", mime_type="application/pdf"
            ),
            kind=models.BidDocumentKindEnum("certificate"),
        ),
    )
    submitted = call("api.bids.bids_submit_create", bid.id, client=bidder)
    assert submitted.price.amount == "950000.00"

    time_machine.move_to(deadline + dt.timedelta(minutes=1), tick=True)
    # Forty days on, the login tokens have expired: log in again.
    officer, second, evaluator, auditor = map(login, ("olle", "greta", "eva", "aud"))
    call("api.tenders.tenders_open_create", tender.id, client=officer)
    opened = call("api.tenders.tenders_open_create", tender.id, client=second)
    assert opened.status == "opened"

    call(
        "api.tenders.conflict_declarations_create",
        tender.id,
        client=evaluator,
        expect=201,
        body=models.DeclarationInputRequest.from_dict(
            {"has_conflict": False, "statement": "Inga band."}
        ),
    )
    item = {"bid": str(bid.id), "tender_criterion": str(tc_plan.id), "score": "4"}
    call(
        "api.tenders.evaluator_scores_put",
        tender.id,
        client=evaluator,
        body=models.ScoresInputRequest.from_dict({"scores": [{**item, "comment": "Tydlig"}]}),
    )
    call(
        "api.tenders.consensus_put",
        tender.id,
        client=officer,
        body=models.ConsensusInputRequest.from_dict(
            {"scores": [{**item, "justification": "Enig"}]}
        ),
    )
    evaluation = call(
        "api.tenders.tender_evaluations_create", tender.id, client=officer, expect=202
    )
    for _ in range(100):
        evaluation = call("api.evaluations.evaluations_retrieve", evaluation.id, client=officer)
        if evaluation.status in ("done", "failed"):
            break
        time.sleep(0.1)
    assert evaluation.status == "done"
    results = call("api.evaluations.evaluations_results_retrieve", evaluation.id, client=officer)
    (first,) = results.results
    assert Decimal(first.total_score) == Decimal("60") + Decimal("16") + Decimal("16")
    assert first.price.amount == "950000.00" and first.supplier.name == supplier.name
    verified = call("api.evaluations.evaluations_verify_create", evaluation.id, client=auditor)
    assert verified.reproducible is True

    award = call(
        "api.tenders.tender_award",
        tender.id,
        client=officer,
        body=models.AwardInputRequest.from_dict(
            {
                "evaluation": str(evaluation.id),
                "lots": [{"lot": str(lot_1.id), "bids": [str(bid.id)]}],
                "justification": "Högst poäng enligt utvärderingen.",
            }
        ),
    )
    assert award.standstill_ends_at > timezone.now()

    export = generated("api.audit_events.audit_events_export_retrieve").sync_detailed(
        client=auditor,
        format_=models.AuditEventsExportRetrieveFormat("jsonl"),
        tender=tender.id,
    )
    assert export.status_code == 200
    actions = export.content.decode()
    for action in ("tender.published", "consensus.set", "tender.opened", "tender.awarded"):
        assert f'"{action}"' in actions, action
    # Every POST above went twice with its key, and each create was read at its Location:
    # one tender, one lot, two criteria, one document, one bid, one bid document, one
    # declaration, all created once.
    assert actions.count('"tender.created"') == 1
    assert len(call("api.tenders.tenders_lots_list", tender.id, client=officer).results) == 2
    assert len(located) == 8, located
    assert "api.tenders.tender_evaluations_create" in replays and len(replays) >= 12, replays
