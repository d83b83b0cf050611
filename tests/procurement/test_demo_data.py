"""`make run` loads demo data a new user can explore at once: organisations and members, a
draft, a published tender and an evaluated one with a result to read (matrix and chart)."""

from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import verify_chains
from procurement.models import Tender
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
