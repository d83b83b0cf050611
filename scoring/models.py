"""Evaluations (immutable snapshots), evaluators' scores, consensus, lottery, award, simulation."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConflictDeclaration(models.Model):
    """An evaluator's declaration of (no) conflict of interest for one tender (art. 24), made
    before the evaluator sees any bid. A declared conflict keeps the evaluator out; the officer
    records the measure taken (art. 84(1)(i))."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        "procurement.Tender",
        on_delete=models.PROTECT,
        related_name="conflict_declarations",
        verbose_name=_("tender"),
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evaluator"),
    )
    has_conflict = models.BooleanField(verbose_name=_("has conflict"))
    statement = models.TextField(verbose_name=_("statement"))
    declared_at = models.DateTimeField(default=timezone.now, verbose_name=_("declared at"))
    measure = models.TextField(blank=True, verbose_name=_("measure"))
    measure_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("measure by"),
    )
    measure_at = models.DateTimeField(null=True, blank=True, verbose_name=_("measure at"))

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        ordering = ["tender", "declared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "evaluator"], name="one_declaration_per_evaluator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id} on {self.tender_id}: {'conflict' if self.has_conflict else 'none'}"


class ScoreBase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        "procurement.Tender", on_delete=models.PROTECT, related_name="+", verbose_name=_("tender")
    )
    bid = models.ForeignKey(
        "procurement.Bid", on_delete=models.PROTECT, related_name="+", verbose_name=_("bid")
    )
    tender_criterion = models.ForeignKey(
        "criteria.TenderCriterion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tender criterion"),
    )
    score = models.DecimalField(max_digits=9, decimal_places=4, verbose_name=_("score"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    is_current = models.BooleanField(default=True, verbose_name=_("is current"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        abstract = True


class EvaluatorScore(ScoreBase):
    """One evaluator's score of one bid on one manual criterion. Never overwritten: a change
    adds a new version and the old one stays, with its time."""

    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evaluator"),
    )
    comment = models.TextField(blank=True, verbose_name=_("comment"))

    class Meta:
        verbose_name = _("evaluator score")
        verbose_name_plural = _("evaluator scores")
        ordering = ["bid", "tender_criterion", "evaluator", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "tender_criterion", "evaluator"],
                condition=models.Q(is_current=True),
                name="one_current_score_per_evaluator_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id}: {self.score} on {self.bid_id}/{self.tender_criterion_id} v{self.version}"


class ConsensusScore(ScoreBase):
    """The settled score of one bid on one manual criterion, with its written justification."""

    justification = models.TextField(verbose_name=_("justification"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )

    class Meta:
        verbose_name = _("consensus score")
        verbose_name_plural = _("consensus scores")
        ordering = ["bid", "tender_criterion", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "tender_criterion"],
                condition=models.Q(is_current=True),
                name="one_current_consensus_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"consensus {self.score} on {self.bid_id}/{self.tender_criterion_id} v{self.version}"


class Evaluation(models.Model):
    """One scoring run over a tender's opened bids: an immutable snapshot of the inputs, the
    engine version, the results and their hashes. A new run makes a new evaluation."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        "procurement.Tender",
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("tender"),
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    method = models.CharField(max_length=32, verbose_name=_("method"))
    engine_version = models.CharField(max_length=32, blank=True, verbose_name=_("engine version"))
    input_json = models.TextField(blank=True, verbose_name=_("input json"))
    input_sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("input sha256"))
    result_json = models.TextField(blank=True, verbose_name=_("result json"))
    result_sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("result sha256"))
    error = models.JSONField(null=True, blank=True, verbose_name=_("error"))
    derived_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived",
        help_text=_("The evaluation whose tie a lottery resolved"),
        verbose_name=_("derived from"),
    )
    task_id = models.CharField(max_length=64, blank=True, verbose_name=_("task id"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # Set by every change of status or progress (scoring.services.runs), for
    # ``?updated_since=``. Null on runs completed before it existed: a completed run never
    # changes (the database refuses it), so its ``finished_at`` is its last change. Neither
    # auto_now nor a default: either would make SQLite rebuild the table when the column is
    # added, dropping the immutability triggers (0002_evaluation_immutable).
    updated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Evaluation {self.id} ({self.status})"

    @property
    def last_changed_at(self):
        """When the run last changed (``updated_at``, or for a run completed before that
        column existed, when it finished)."""
        return self.updated_at or self.finished_at or self.started_at or self.created_at


class LotteryDraw(models.Model):
    """A tie the chain could not break, drawn by lot: seed, witnesses and order are kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.PROTECT,
        related_name="lottery_draws",
        verbose_name=_("evaluation"),
    )
    result_evaluation = models.ForeignKey(
        Evaluation,
        null=True,
        on_delete=models.PROTECT,
        related_name="lottery_results",
        verbose_name=_("result evaluation"),
    )
    lot = models.ForeignKey(
        "procurement.Lot", on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    tied_bids = models.JSONField(verbose_name=_("tied bids"))
    order = models.JSONField(verbose_name=_("order"))
    seed = models.CharField(max_length=64, verbose_name=_("seed"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("witness"),
    )
    drawn_at = models.DateTimeField(default=timezone.now, verbose_name=_("drawn at"))

    class Meta:
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")
        ordering = ["drawn_at"]

    def __str__(self) -> str:
        return f"Lottery {self.id} for lot {self.lot_id}"


class Award(models.Model):
    """The decision naming the winning bid(s) per lot, referring to one completed evaluation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.OneToOneField(
        "procurement.Tender",
        on_delete=models.PROTECT,
        related_name="award",
        verbose_name=_("tender"),
    )
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="+", verbose_name=_("evaluation")
    )
    lots = models.JSONField(
        help_text='[{"lot": id, "bids": [id, ...], "follows_ranking": bool}]',
        verbose_name=_("lots"),
    )
    justification = models.TextField(verbose_name=_("justification"))
    deviates_from_ranking = models.BooleanField(
        default=False, verbose_name=_("deviates from ranking")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(default=timezone.now, verbose_name=_("decided at"))
    standstill_ends_at = models.DateTimeField(verbose_name=_("standstill ends at"))

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"Award of {self.tender_id}"


class AwardedBid(models.Model):
    """One winning bid of one lot of an award, as a row: what the follow-up report counts and
    contracts are signed on (``Award.lots`` keeps the decision as it was made)."""

    award = models.ForeignKey(
        Award, on_delete=models.CASCADE, related_name="winners", verbose_name=_("award")
    )
    lot = models.ForeignKey(
        "procurement.Lot", on_delete=models.PROTECT, related_name="+", verbose_name=_("lot")
    )
    bid = models.ForeignKey(
        "procurement.Bid", on_delete=models.PROTECT, related_name="+", verbose_name=_("bid")
    )
    follows_ranking = models.BooleanField(default=True, verbose_name=_("follows ranking"))

    class Meta:
        verbose_name = _("awarded bid")
        verbose_name_plural = _("awarded bids")
        constraints = [
            models.UniqueConstraint(fields=["award", "lot", "bid"], name="awarded_bid_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bid_id} in lot {self.lot_id}"


class Simulation(models.Model):
    """The tender's configuration run against fictitious bids. Never touches real bids."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        "procurement.Tender",
        on_delete=models.CASCADE,
        related_name="simulations",
        verbose_name=_("tender"),
    )
    input_json = models.TextField(verbose_name=_("input json"))
    result_json = models.TextField(verbose_name=_("result json"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("simulation")
        verbose_name_plural = _("simulations")

    def __str__(self) -> str:
        return f"Simulation {self.id}"
