"""Every state change is audited: each public service function records an event when called.

The public functions of procurement/services/*.py and criteria/services.py are found by
introspection; each must be either in CALLS (how to call it, and the action it records) or in
NOT_STATE_CHANGES (with the reason). A new service without a case here fails the first test.
"""

import datetime as dt
import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

import procurement.services
import scoring.services
from audit.models import AuditEvent
from criteria import services as cs
from procurement.errors import StateConflict
from procurement.models import Bid
from procurement.services import bids, documents, logins, opening, organizations, tenders, tokens
from procurement.services.bids import submit_bid
from procurement.services.tenders import publish_tender
from procurement.services.tokens import issue_login_token
from scoring import services as ss
from scoring.models import ConflictDeclaration, Evaluation
from tests.factories import (
    BidFactory,
    CriterionFactory,
    LotFactory,
    SupplierFactory,
    TenderCriterionFactory,
    TenderFactory,
)

NOT_STATE_CHANGES = {
    "procurement.services.common.check_version": "a check used by services",
    "procurement.services.common.changed_fields": "computes a diff",
    "procurement.services.bids.canonical_bid": "builds the receipt body, changes nothing",
    "criteria.services.configuration": "reads the frozen configuration",
    "criteria.services.configuration_sha256": "a hash",
    "procurement.services.logins.wait_seconds": "a read of the login counters",
    "scoring.services.award.match_to_ranking": "a pure check of an award against the ranking",
    "procurement.services.tokens.purge_expired_tokens": (
        "deletes rows that no request accepts any more (expired tokens)"
    ),
}


def service_modules():
    names = [
        f"procurement.services.{m.name}"
        for m in pkgutil.iter_modules(procurement.services.__path__)
    ]

    names += [f"scoring.services.{m.name}" for m in pkgutil.iter_modules(scoring.services.__path__)]
    return [importlib.import_module(n) for n in [*names, "criteria.services"]]


def public_services() -> set[str]:
    found = set()
    for module in service_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and function.__module__ == module.__name__:
                found.add(f"{module.__name__}.{name}")
    return found


def _future():
    return timezone.now() + dt.timedelta(days=40)


def _file(name="evidence.txt"):
    return SimpleUploadedFile(name, b"Certificate of origin\n", content_type="text/plain")


def _published(w, **kwargs):
    return TenderFactory(
        organization=w.buyer, status="published", published_at=timezone.now(), **kwargs
    )


class World:
    """The callers and objects that the services need, built on demand."""

    def __init__(self, buyer, supplier, make_user, superuser):
        self.buyer, self.supplier, self.superuser = buyer, supplier, superuser
        self.officer = make_user("officer", buyer)
        self.second_officer = make_user("officer", buyer)
        self.admin = make_user("admin", buyer)
        self.bidder = make_user("bidder", supplier)
        self.evaluator = make_user("evaluator", buyer)

    def draft(self):
        return TenderFactory(organization=self.buyer, no_lots_reason="One kitchen.")

    def draft_bid(self):
        return BidFactory(tender=_published(self), supplier=self.supplier, created_by=self.bidder)


def _with_token(user):
    issue_login_token(user=user)
    return user


def _submitted_bid(w):
    return submit_bid(bid=w.draft_bid(), actor=w.bidder)


def _opened(w, *, method="lowest_price", tie_break=None, bids=1, manual=False):
    """An opened tender with submitted bids (equal prices), optionally a manual criterion."""

    evaluation = {"method": method, **({"tie_break": tie_break} if tie_break else {})}
    tender = TenderFactory(organization=w.buyer, status="opened", evaluation=evaluation)
    lot = tender.lots.get()
    created = [
        Bid.objects.create(
            tender=tender,
            lot=lot,
            supplier=SupplierFactory(),
            status="submitted",
            price_amount=Decimal("1000.00"),
            submitted_at=timezone.now() - dt.timedelta(days=1),
        )
        for _ in range(bids)
    ]
    tc = None
    if manual:
        tc = TenderCriterionFactory(
            tender=tender,
            code="QUAL-PLAN",
            kind="award",
            category="quality",
            rule={"type": "manual", "scale_max": 5},
            weight=None,
        )
    return tender, created, tc


def _declared(w, tender, *, conflict=False):
    return ConflictDeclaration.objects.create(
        tender=tender, evaluator=w.evaluator, has_conflict=conflict, statement="Declared"
    )


def _done_evaluation(w, **kwargs):
    tender, created, _ = _opened(w, **kwargs)
    evaluation = Evaluation.objects.create(
        tender=tender, method=tender.evaluation["method"], created_by=w.officer
    )
    ss.run_evaluation(evaluation.pk)
    evaluation.refresh_from_db()
    return evaluation, created


def _scoring_calls():
    def measure(w):
        tender, _, _ = _opened(w)
        return ss.record_conflict_measure(
            declaration=_declared(w, tender, conflict=True), actor=w.officer, measure="Replaced"
        )

    def scores(w):
        tender, (bid,), tc = _opened(w, manual=True)
        _declared(w, tender)
        item = {"bid": bid.pk, "tender_criterion": tc.pk, "score": 4, "comment": "Good"}
        return ss.submit_scores(tender=tender, actor=w.evaluator, items=[item])

    def consensus(w):
        tender, (bid,), tc = _opened(w, manual=True)
        item = {"bid": bid.pk, "tender_criterion": tc.pk, "score": 4, "justification": "Agreed"}
        return ss.set_consensus(tender=tender, actor=w.officer, items=[item])

    def run(w):
        tender, _, _ = _opened(w)
        evaluation = Evaluation.objects.create(
            tender=tender, method="lowest_price", created_by=w.officer
        )
        return ss.run_evaluation(evaluation.pk)

    def sweep(w):
        tender, _, _ = _opened(w)
        Evaluation.objects.create(
            tender=tender,
            method="lowest_price",
            created_by=w.officer,
            status="running",
            started_at=timezone.now() - dt.timedelta(days=1),
            attempts=ss.MAX_ATTEMPTS,
        )
        return ss.sweep_stuck_evaluations()

    def lottery(w):
        evaluation, _ = _done_evaluation(w, tie_break=["lottery"], bids=2)
        return ss.draw_lottery(evaluation=evaluation, actor=w.officer, witness=w.second_officer)

    def award(w):
        evaluation, (bid,) = _done_evaluation(w)
        return ss.award_tender(
            tender=evaluation.tender,
            actor=w.officer,
            evaluation=evaluation,
            lots=[{"lot": str(bid.lot_id), "bids": [str(bid.pk)]}],
            justification="Lowest price",
        )

    return {
        "scoring.services.declarations.declare_conflict": (
            lambda w: ss.declare_conflict(
                tender=_opened(w)[0], actor=w.evaluator, has_conflict=False, statement="None"
            ),
            "conflict.declared",
        ),
        "scoring.services.declarations.record_conflict_measure": (
            measure,
            "conflict.measure_recorded",
        ),
        "scoring.services.scores.submit_scores": (scores, "score.submitted"),
        "scoring.services.scores.set_consensus": (consensus, "consensus.set"),
        "scoring.services.runs.start_evaluation": (
            lambda w: ss.start_evaluation(tender=_opened(w)[0], actor=w.officer),
            "evaluation.started",
        ),
        "scoring.services.runs.run_evaluation": (run, "evaluation.completed"),
        "scoring.services.runs.sweep_stuck_evaluations": (sweep, "evaluation.failed"),
        "scoring.services.runs.verify_evaluation": (
            lambda w: ss.verify_evaluation(evaluation=_done_evaluation(w)[0], actor=w.officer),
            "evaluation.verified",
        ),
        "scoring.services.lottery.draw_lottery": (lottery, "lottery.drawn"),
        "scoring.services.award.award_tender": (award, "tender.awarded"),
        "scoring.services.simulation.simulate": (
            lambda w: ss.simulate(tender=w.draft(), actor=w.officer, bids=[{"price": "100"}]),
            "simulation.run",
        ),
    }


def _purge(w):
    """A file left by an upload whose outer transaction rolled back, purged a day later."""

    try:
        with transaction.atomic():
            documents.upload_tender_document(
                tender=w.draft(), actor=w.officer, uploaded=_file("call.txt"), kind="call"
            )
            raise RuntimeError("the caller's transaction fails")
    except RuntimeError:
        pass
    return documents.purge_orphan_files(now=timezone.now() + dt.timedelta(days=1))


def _calls():
    """name -> (call(world), the action it records)."""

    return {
        "procurement.services.organizations.create_organization": (
            lambda w: organizations.create_organization(
                actor=w.superuser, name="Region Cecilia", kind="buyer"
            ),
            "organization.created",
        ),
        "procurement.services.organizations.update_organization": (
            lambda w: organizations.update_organization(
                organization=w.buyer, actor=w.admin, changes={"name": "Region Alice Nord"}
            ),
            "organization.updated",
        ),
        "procurement.services.organizations.add_member": (
            lambda w: organizations.add_member(
                organization=w.buyer,
                actor=w.admin,
                username="new_officer",
                password="Correct-Horse-Battery-9",
                role="officer",
            ),
            "member.added",
        ),
        "procurement.services.opening.set_opening_quorum": (
            lambda w: opening.set_opening_quorum(organization=w.buyer, actor=w.admin, quorum=1),
            "organization.opening_quorum_changed",
        ),
        "procurement.services.opening.open_tender": (
            lambda w: opening.open_tender(
                tender=TenderFactory(
                    organization=w.buyer,
                    status="published",
                    submission_deadline=timezone.now() - dt.timedelta(minutes=1),
                ),
                actor=w.officer,
            ),
            "tender.opening_started",
        ),
        "procurement.services.tenders.create_tender": (
            lambda w: tenders.create_tender(
                actor=w.officer,
                reference="RK-2026-9000",
                title="Bröd",
                submission_deadline=_future(),
                evaluation={"method": "lowest_price"},
            ),
            "tender.created",
        ),
        "procurement.services.tenders.update_tender": (
            lambda w: tenders.update_tender(
                tender=w.draft(), actor=w.officer, changes={"title": "Bröd och mjöl"}
            ),
            "tender.updated",
        ),
        "procurement.services.tenders.publish_tender": (
            lambda w: tenders.publish_tender(tender=w.draft(), actor=w.officer),
            "tender.published",
        ),
        "procurement.services.tenders.cancel_tender": (
            lambda w: tenders.cancel_tender(tender=w.draft(), actor=w.officer, reason="No budget"),
            "tender.cancelled",
        ),
        "procurement.services.tenders.add_lot": (
            lambda w: tenders.add_lot(tender=w.draft(), actor=w.officer, title="Ägg"),
            "lot.created",
        ),
        "procurement.services.tenders.update_lot": (
            lambda w: tenders.update_lot(
                lot=LotFactory(tender=w.draft()), actor=w.officer, changes={"title": "Mjölk"}
            ),
            "lot.updated",
        ),
        "procurement.services.documents.upload_tender_document": (
            lambda w: documents.upload_tender_document(
                tender=w.draft(), actor=w.officer, uploaded=_file("call.txt"), kind="call"
            ),
            "tender_document.uploaded",
        ),
        "procurement.services.documents.upload_bid_document": (
            lambda w: documents.upload_bid_document(
                bid=w.draft_bid(), actor=w.bidder, uploaded=_file(), kind="certificate"
            ),
            "bid_document.uploaded",
        ),
        "procurement.services.documents.purge_orphan_files": (_purge, "storage.orphans_purged"),
        "procurement.services.bids.create_bid": (
            lambda w: bids.create_bid(
                actor=w.bidder, tender=_published(w), lot=None, price_amount=Decimal("900000.00")
            ),
            "bid.created",
        ),
        "procurement.services.bids.update_bid": (
            lambda w: bids.update_bid(
                bid=w.draft_bid(), actor=w.bidder, changes={"price_amount": Decimal("800000.00")}
            ),
            "bid.updated",
        ),
        "procurement.services.bids.submit_bid": (
            lambda w: bids.submit_bid(bid=w.draft_bid(), actor=w.bidder),
            "bid.submitted",
        ),
        "procurement.services.bids.record_sealed_read_attempt": (
            lambda w: bids.record_sealed_read_attempt(
                actor=w.officer, what="read", path="/api/v1/bids/x/", bid_id=_submitted_bid(w).pk
            ),
            "bid.sealed_read_denied",
        ),
        "procurement.services.bids.withdraw_bid": (
            lambda w: bids.withdraw_bid(bid=_submitted_bid(w), actor=w.bidder),
            "bid.withdrawn",
        ),
        "criteria.services.create_criterion": (
            lambda w: cs.create_criterion(
                actor=w.officer,
                code="ENV-NEW-1",
                category="environmental",
                level="basic",
                kind="award",
                title="Förnybar energi",
                rule={"type": "boolean"},
            ),
            "criterion.created",
        ),
        "criteria.services.update_criterion": (
            lambda w: cs.update_criterion(
                criterion=CriterionFactory(organization=w.buyer),
                actor=w.officer,
                changes={"title": "Förnybar el"},
            ),
            "criterion.updated",
        ),
        "criteria.services.delete_criterion": (
            lambda w: cs.delete_criterion(
                criterion=CriterionFactory(organization=w.buyer), actor=w.officer
            ),
            "criterion.deleted",
        ),
        "criteria.services.copy_criterion": (
            lambda w: cs.copy_criterion(criterion=CriterionFactory(), actor=w.officer),
            "criterion.copied",
        ),
        "criteria.services.attach_criterion": (
            lambda w: cs.attach_criterion(
                tender=w.draft(),
                actor=w.officer,
                criterion=CriterionFactory(organization=w.buyer),
                weight=Decimal("10"),
            ),
            "tender_criterion.attached",
        ),
        "criteria.services.update_tender_criterion": (
            lambda w: cs.update_tender_criterion(
                tc=TenderCriterionFactory(tender=w.draft()),
                actor=w.officer,
                changes={"weight": Decimal("20")},
            ),
            "tender_criterion.updated",
        ),
        "criteria.services.remove_lot": (
            lambda w: cs.remove_lot(lot=LotFactory(tender=w.draft(), number=2), actor=w.officer),
            "lot.deleted",
        ),
        "criteria.services.copy_tender": (
            lambda w: cs.copy_tender(
                tender=w.draft(),
                actor=w.officer,
                reference="COPY-1",
                submission_deadline=timezone.now() + dt.timedelta(days=40),
            ),
            "tender.copied",
        ),
        "criteria.services.detach_criterion": (
            lambda w: cs.detach_criterion(
                tc=TenderCriterionFactory(tender=w.draft()), actor=w.officer
            ),
            "tender_criterion.detached",
        ),
        "criteria.services.amend_tender": (
            lambda w: cs.amend_tender(
                tender=_published(w),
                actor=w.officer,
                reason="Clearer title",
                changes={"title": "Kött, ägg och mjölk"},
            ),
            "tender.amended",
        ),
        "procurement.services.logins.begin": (
            lambda w: logins.begin("nobody-" + w.buyer.name, "192.0.2.1").failed(),
            "auth.login_failed",
        ),
        "procurement.services.tokens.issue_login_token": (
            lambda w: tokens.issue_login_token(user=w.officer),
            "auth.token_issued",
        ),
        "procurement.services.tokens.revoke_token": (
            lambda w: tokens.revoke_token(
                token=tokens.issue_login_token(user=w.officer)[0], actor=w.officer
            ),
            "auth.token_revoked",
        ),
        "procurement.services.tokens.revoke_all_tokens": (
            lambda w: tokens.revoke_all_tokens(
                user=_with_token(w.officer), actor=w.officer, reason="logout_all"
            ),
            "auth.tokens_revoked",
        ),
        "procurement.services.tokens.issue_integration_token": (
            lambda w: tokens.issue_integration_token(actor=w.admin, user=w.officer, name="BI"),
            "auth.integration_token_created",
        ),
        "procurement.services.tokens.revoke_integration_token": (
            lambda w: tokens.revoke_integration_token(
                actor=w.admin,
                token=tokens.issue_integration_token(actor=w.admin, user=w.officer, name="BI")[0],
            ),
            "auth.token_revoked",
        ),
        **_scoring_calls(),
    }


def test_every_public_service_is_walked_or_explained():
    registered = set(_calls()) | set(NOT_STATE_CHANGES)

    assert public_services() - registered == set(), "add the new services to CALLS"
    assert registered - public_services() == set(), "remove services that no longer exist"


@pytest.fixture
def world(buyer, supplier, make_user, superuser):
    return World(buyer, supplier, make_user, superuser)


@pytest.mark.parametrize("name", sorted(_calls()))
def test_the_service_records_its_event(world, name):
    call, action = _calls()[name]
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    call(world)

    new = AuditEvent.objects.exclude(pk__in=before)
    assert action in set(new.values_list("action", flat=True)), name


def test_a_refused_change_records_nothing(world):
    tender = publish_tender(tender=world.draft(), actor=world.officer)
    count = AuditEvent.objects.count()

    with pytest.raises(StateConflict):
        publish_tender(tender=tender, actor=world.officer)

    assert AuditEvent.objects.count() == count
