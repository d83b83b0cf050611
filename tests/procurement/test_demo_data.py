"""`make run` loads demo data a new user can explore at once: organisations and members, a
draft, a published tender and an evaluated one with a result to read (matrix and chart)."""

from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import verify_chains
from contracts import selectors as contract_selectors
from contracts.models import Check, Contract, Deviation
from procurement.models import Tender
from reports import selectors as selectors_followup
from reports.followup import Period, follow_up
from scoring import selectors
from scoring.models import ConsensusScore, Evaluation


def test_the_demo_has_an_evaluated_tender_and_loading_it_again_changes_nothing(
    shared_library, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", verbosity=0)
    tender = Tender.objects.get(reference="NLL-2026-0031")
    assert tender.status == Tender.Status.EVALUATED
    evaluation = Evaluation.objects.get(tender=tender)
    assert evaluation.status == Evaluation.Status.DONE
    results = selectors.result_items(evaluation)
    assert len(results) == 3 and {r["rank"] for r in results} == {1, 2, 3}
    assert all(r["categories"] for r in results)  # something for the chart to draw
    assert ConsensusScore.objects.filter(tender=tender, is_current=True).count() == 3
    # Deadlines as an officer sets them: 12.00 Swedish time.
    for deadline in Tender.objects.values_list("submission_deadline", flat=True):
        local = timezone.localtime(deadline, ZoneInfo("Europe/Stockholm"))
        assert (local.hour, local.minute, local.second) == (12, 0, 0), local

    # Two years of history for the follow-up: last year's report is published, this year's
    # figures are there to read (today is December in the tests' clock-free runs too: the
    # history stops where its stories would reach past today).
    this_year = timezone.localdate().year
    buyer = tender.organization
    last = selectors_followup.published_report(buyer, this_year - 1)
    assert last is not None and last.version == 1
    for year in (this_year - 1, this_year):
        report = follow_up(buyer, Period.year(year))
        if year == this_year and timezone.localdate().month < 4:
            continue  # early in the year, this year's history has hardly begun
        assert report["tenders"]["published"] >= 10, (year, report["tenders"])
        assert report["awards"]["lots"] >= 5, (year, report["awards"])
        assert all(t["actual"] is not None for t in report["targets"]), report["targets"]

    counts = (Tender.objects.count(), Evaluation.objects.count(), AuditEvent.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", verbosity=0)
    assert (
        Tender.objects.count(),
        Evaluation.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    chains = list(AuditEvent.objects.values_list("chain", flat=True).distinct())
    assert verify_chains(chains)["valid"] is True


def test_the_demo_has_a_contract_followed_for_a_year(
    shared_library, django_capture_on_commit_callbacks
):
    """Last year's first awarded history tender with award criteria and requirements has a
    contract signed in January: checks met, one deviation opened and remedied, one check
    overdue; loading again changes nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", verbosity=0)
    contract = Contract.objects.get()
    this_year = timezone.localdate().year
    assert contract.reference == f"AVT-{this_year}-001"
    assert contract.tender.reference.startswith(f"NLL-{this_year - 1}-H")
    assert contract_selectors.contract_status(contract) == Contract.Status.ACTIVE
    statuses = [contract_selectors.check_status(c) for c in contract_selectors.checks_of(contract)]
    if timezone.localdate().month >= 10:
        assert statuses.count("met") >= 3, statuses
        assert statuses.count("deviation") == 1 and statuses.count("overdue") == 1, statuses
        deviation = Deviation.objects.get(contract=contract)
        assert deviation.status == Deviation.Status.REMEDIED and deviation.closed_at
    counts = (Contract.objects.count(), Check.objects.count(), AuditEvent.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", verbosity=0)
    assert (Contract.objects.count(), Check.objects.count(), AuditEvent.objects.count()) == counts
    chains = list(AuditEvent.objects.values_list("chain", flat=True).distinct())
    assert verify_chains(chains)["valid"] is True
