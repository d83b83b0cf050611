import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.response import Response
from rest_framework.views import APIView

from api.downloads import DownloadNegotiation, as_requested, download_responses
from api.filters import UPDATED_SINCE_HELP, UtcIsoDateTimeField
from api.language import current_language
from api.pagination import PageNumberPagination, paginated_response
from api.permissions import RolePermission
from api.schema import LIST, PAGE, READ, WRITE, problems
from api.serializers.common import MoneySerializer, OrgRefSerializer, StrictSerializer
from api.serializers.evaluations import (
    AwardInputSerializer,
    AwardSerializer,
    ConsensusInputSerializer,
    ConsensusSerializer,
    DeclarationInputSerializer,
    DeclarationSerializer,
    EvaluationSerializer,
    LotteryInputSerializer,
    MeasureSerializer,
    ScoreSerializer,
    ScoresInputSerializer,
    SimulationInputSerializer,
    SimulationSerializer,
    VerifySerializer,
)
from audit.chain import utc_text
from procurement import policy
from procurement import selectors as procurement_selectors
from procurement.errors import (
    InvalidInput,
    NotAllowed,
    StateConflict,
    evaluation_status,
    field_error,
)
from procurement.models import User
from procurement.policy import Action
from scoring import selectors, services
from scoring.evidence import evidence_zip
from scoring.models import Award, Evaluation, Simulation

TENDER_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The tender's id"
)


# Seconds a client polling a queued or running evaluation is asked to wait between reads.
POLL_SECONDS = 2


def _accepted(body, evaluation: Evaluation) -> Response:
    """202 with the Location of the evaluation to poll, and Retry-After while it runs."""
    headers = {"Location": f"/api/v1/evaluations/{evaluation.pk}/"}
    if evaluation.status in (Evaluation.Status.QUEUED, Evaluation.Status.RUNNING):
        headers["Retry-After"] = str(POLL_SECONDS)
    return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)


def _updated_since(request):
    """``?updated_since=`` as a UTC time, None when not given; a 400 naming it when invalid."""
    try:
        return UtcIsoDateTimeField(required=False).clean(
            request.query_params.get("updated_since") or None
        )
    except DjangoValidationError as exc:
        raise ValidationError({"updated_since": exc.messages}) from None


def _tender(request, pk):
    return get_object_or_404(procurement_selectors.tenders_for(request.user), pk=pk)


class EvaluatorRefSerializer(StrictSerializer):
    id = serializers.UUIDField()
    username = serializers.CharField()


class EvaluatorScoreSerializer(ScoreSerializer):
    evaluator = EvaluatorRefSerializer()


class ModerationItemSerializer(StrictSerializer):
    bid = serializers.UUIDField()
    tender_criterion = serializers.UUIDField()
    code = serializers.CharField()
    spread = serializers.CharField(help_text="Share of the scale between the highest and lowest")
    scores = serializers.IntegerField(help_text="How many evaluators scored it")


class MissingItemSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=["declaration", "consensus", "scores"])
    bid = serializers.UUIDField(required=False)
    tender_criterion = serializers.UUIDField(required=False)
    code = serializers.CharField(required=False)
    message = serializers.CharField(required=False)


class ConsensusOverviewSerializer(StrictSerializer):
    consensus = ConsensusSerializer(many=True)
    evaluator_scores = EvaluatorScoreSerializer(many=True)
    moderation = ModerationItemSerializer(many=True, help_text="Items whose scores spread too much")
    missing = MissingItemSerializer(many=True, help_text="What stops an evaluation from running")


class ResultCriterionSerializer(StrictSerializer):
    tender_criterion = serializers.UUIDField()
    code = serializers.CharField()
    kind = serializers.CharField(
        allow_null=True, help_text="points, deduction, surcharge, requirement, condition"
    )
    value = serializers.JSONField(allow_null=True, help_text="The bid's answer")
    fulfilment = serializers.CharField(allow_null=True, help_text="0 to 1, 4 places")
    points = serializers.CharField(allow_null=True, help_text="Points earned, 4 places")
    money = MoneySerializer(allow_null=True, help_text="Deducted or added money")
    passed = serializers.BooleanField(allow_null=True, help_text="Requirements: met or not")
    flagged = serializers.BooleanField(help_text="Evaluators' scores spread above the threshold")
    explanation = serializers.CharField(allow_null=True, help_text="In the request's language")


class DisqualificationSerializer(StrictSerializer):
    criterion = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ResultItemSerializer(StrictSerializer):
    bid = serializers.UUIDField()
    supplier = OrgRefSerializer()
    lot = serializers.UUIDField()
    lot_number = serializers.IntegerField()
    qualified = serializers.BooleanField()
    disqualification_reasons = DisqualificationSerializer(many=True)
    price = MoneySerializer()
    total_score = serializers.CharField(
        allow_null=True, help_text="weighted_points and value_for_money: the total, 4 places"
    )
    comparison_price = MoneySerializer(
        allow_null=True, help_text="lowest_price, added_value, lowest_cost: the compared price"
    )
    rank = serializers.IntegerField(allow_null=True, help_text="1 is best; null if disqualified")
    tie_break = serializers.DictField(allow_null=True, help_text="How a tie was broken")
    categories = serializers.DictField(
        child=serializers.CharField(), help_text="What each category contributed"
    )
    categories_unit = serializers.ChoiceField(choices=["points", "money"])
    lcc = serializers.DictField(allow_null=True, help_text="lowest_cost: the life-cycle cost")
    criteria = ResultCriterionSerializer(many=True)


class ResultsResponseSerializer(StrictSerializer):
    count = serializers.IntegerField()
    method = serializers.CharField()
    price_scoring_kind = serializers.CharField(allow_null=True)
    warnings = serializers.ListField(child=serializers.DictField())
    sensitivity = serializers.ListField(child=serializers.DictField())
    unresolved_ties = serializers.ListField(child=serializers.DictField())
    results = ResultItemSerializer(many=True, help_text="Per bid, as API.md's result item")


class EvaluationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    cached_reads = frozenset({"results"})  # api.readcache: a done evaluation never changes
    serializer_class = EvaluationSerializer
    permission_classes = [RolePermission]
    write_actions = {"lottery": Action.LOTTERY_DRAW, "verify": Action.EVALUATION_VERIFY}

    def get_queryset(self):
        return selectors.evaluations_for(self.request.user)

    @extend_schema(
        summary="Status of an evaluation run",
        description="`status` queued, running, done or failed (with `error`), and `progress` 0-100; hashes of the stored input and result.",
        responses={200: EvaluationSerializer, **problems(*READ)},
    )
    def retrieve(self, request, pk=None):
        # A read changes nothing: runs whose worker vanished are resumed by the broker and the
        # sweep (make beat), not by whoever happens to look.
        return Response(EvaluationSerializer(self.get_object()).data)

    @extend_schema(
        summary="Results per bid",
        description=(
            "Ordered by lot and rank, the disqualified last (rank null). Per bid: qualified, reasons, price, "
            "total_score or comparison_price, rank, tie_break, categories, and per criterion value, "
            "fulfilment, points (or money) and an explanation. Also warnings, sensitivity and unresolved ties."
        ),
        responses={200: ResultsResponseSerializer, **problems(*READ, 409)},
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        evaluation = self.get_object()
        if evaluation.status != Evaluation.Status.DONE:
            raise StateConflict(
                _("The evaluation is %(status)s; results come when it is done.")
                % {"status": evaluation_status(evaluation.status)},
                current_status=evaluation.status,
            )
        lang = current_language()  # API.md's rule: ?lang, else Accept-Language, else en
        result = json.loads(evaluation.result_json)
        items = selectors.result_items(evaluation, lang)

        def localise(entries):
            return [
                {**e, "message": e["message"].get(lang)}
                if isinstance(e.get("message"), dict)
                else e
                for e in entries
            ]

        return Response(
            {
                "count": len(items),
                "method": result.get("method"),
                "price_scoring_kind": result.get("price_scoring_kind"),
                "warnings": localise(result.get("warnings", [])),
                "sensitivity": result.get("sensitivity", []),
                "unresolved_ties": result.get("unresolved_ties", []),
                "results": items,
            }
        )

    @extend_schema(
        summary="Verify an evaluation by replaying it",
        description="Recomputes the result from the stored input snapshot and compares SHA-256 hashes.",
        request=None,
        responses={200: VerifySerializer, **problems(*READ, 403, 409)},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return Response(
            services.verify_evaluation(evaluation=self.get_object(), actor=request.user)
        )

    @extend_schema(
        summary="Evidence package (ZIP case file)",
        description=(
            "The evaluation's input and result JSON with their hashes and engine version, the opening "
            "protocol, conflict declarations, every evaluator's score history, consensus justifications, "
            "lottery draws, the award, the tender's audit events as JSONL and a README (sv/en) saying how "
            "to verify each part. The export is itself audited. `application/zip`, or "
            "`application/octet-stream` when you ask for that with Accept."
        ),
        responses={
            **download_responses("The ZIP file", ("application/zip",)),
            **problems(*READ, 409),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=DownloadNegotiation)
    def evidence(self, request, pk=None):

        evaluation = self.get_object()
        if evaluation.status != Evaluation.Status.DONE:
            raise StateConflict(
                _("The evaluation is %(status)s.")
                % {"status": evaluation_status(evaluation.status)},
                current_status=evaluation.status,
            )
        body = evidence_zip(evaluation=evaluation, actor=request.user)
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="evidence-{evaluation.tender.reference}-{str(evaluation.pk)[:8]}.zip"'
        )
        response["Cache-Control"] = "no-store"
        return as_requested(request, response, "application/zip")

    @extend_schema(
        summary="Draw lots for an unresolved tie",
        description="An officer draws with a second officer as witness; the seed, witnesses and order are recorded and a new evaluation applies the order (202 + Location).",
        request=LotteryInputSerializer,
        responses={202: EvaluationSerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def lottery(self, request, pk=None):
        evaluation = self.get_object()
        serializer = LotteryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        witness = User.objects.filter(pk=serializer.validated_data["witness"]).first()
        if witness is None:
            raise InvalidInput(
                _("Unknown witness."),
                errors=[field_error("/witness", "unknown", _("no such user"))],
            )
        draws, new = services.draw_lottery(
            evaluation=evaluation, actor=request.user, witness=witness
        )
        new.refresh_from_db()
        body = EvaluationSerializer(new).data
        body["draws"] = [
            {"lot": str(d.lot_id), "seed": d.seed, "order": d.order, "witness": str(d.witness_id)}
            for d in draws
        ]
        return _accepted(body, new)


class TenderEvaluationsView(APIView):
    permission_classes = [RolePermission]
    pagination_class = PageNumberPagination  # read by the schema: the list is paginated
    write_actions = {None: Action.EVALUATION_RUN}

    @extend_schema(
        operation_id="tender_evaluations_list",
        summary="A tender's evaluation runs",
        description="Every evaluation run of the tender, newest first, with status and hashes; none is ever overwritten.",
        parameters=[
            TENDER_ID,
            OpenApiParameter(
                "updated_since", OpenApiTypes.DATETIME, description=UPDATED_SINCE_HELP
            ),
            *PAGE,
        ],
        responses={200: EvaluationSerializer(many=True), **problems(*LIST)},
    )
    def get(self, request, pk):
        tender = _tender(request, pk)
        qs = (
            selectors.evaluations_for(request.user)
            .filter(tender=tender)
            .order_by("-created_at", "pk")
        )
        since = _updated_since(request)
        if since is not None:
            qs = qs.alias(
                changed=Coalesce("updated_at", "finished_at", "started_at", "created_at")
            ).filter(changed__gte=since)
        return paginated_response(request, self, qs, EvaluationSerializer)

    @extend_schema(
        operation_id="tender_evaluations_create",
        summary="Start an evaluation run",
        description=(
            "202 Accepted with a Location of the evaluation, which reports status and progress. 409 on a tender "
            "that is not opened, or with `missing`: every missing declaration, score or consensus (bid and criterion)."
        ),
        parameters=[TENDER_ID],
        request=None,
        responses={202: EvaluationSerializer, **problems(*WRITE, 409)},
    )
    def post(self, request, pk):
        tender = _tender(request, pk)
        evaluation = services.start_evaluation(tender=tender, actor=request.user)
        evaluation.refresh_from_db()
        return _accepted(EvaluationSerializer(evaluation).data, evaluation)


class DeclarationsView(APIView):
    permission_classes = [RolePermission]
    pagination_class = PageNumberPagination  # read by the schema: the list is paginated
    write_actions = {None: Action.CONFLICT_DECLARE}

    @extend_schema(
        operation_id="conflict_declarations_list",
        summary="Conflict-of-interest declarations",
        description="Officers, admins and auditors see every declaration of the tender; an evaluator their own.",
        parameters=[TENDER_ID, *PAGE],
        responses={200: DeclarationSerializer(many=True), **problems(*LIST)},
    )
    def get(self, request, pk):
        tender = _declarable_tender(request, pk)
        return paginated_response(
            request, self, selectors.declarations_for(request.user, tender), DeclarationSerializer
        )

    @extend_schema(
        operation_id="conflict_declarations_create",
        summary="Declare a conflict of interest (or none)",
        description="An evaluator declares before seeing any bid (art. 24). With a conflict, the evaluator stays out of the tender.",
        parameters=[TENDER_ID],
        request=DeclarationInputSerializer,
        responses={201: DeclarationSerializer, **problems(*WRITE, 409)},
    )
    def post(self, request, pk):
        tender = _declarable_tender(request, pk)
        serializer = DeclarationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        declaration = services.declare_conflict(
            tender=tender, actor=request.user, **serializer.validated_data
        )
        return Response(
            DeclarationSerializer(declaration).data,
            status=status.HTTP_201_CREATED,
            headers={
                "Location": f"/api/v1/tenders/{tender.pk}/conflict-declarations/{declaration.pk}/"
            },
        )


class DeclarationView(APIView):
    permission_classes = [RolePermission]

    @extend_schema(
        operation_id="conflict_declarations_retrieve",
        summary="Read a conflict-of-interest declaration",
        description="One declaration (the Location of its creation): officers, admins and auditors read every declaration of the tender; an evaluator their own.",
        parameters=[
            TENDER_ID,
            OpenApiParameter("declaration", OpenApiTypes.UUID, OpenApiParameter.PATH),
        ],
        responses={200: DeclarationSerializer, **problems(*READ)},
    )
    def get(self, request, pk, declaration):
        tender = _declarable_tender(request, pk)
        obj = get_object_or_404(selectors.declarations_for(request.user, tender), pk=declaration)
        return Response(DeclarationSerializer(obj).data)


def _declarable_tender(request, pk):
    return _tender(request, pk)


class MeasureView(APIView):
    permission_classes = [RolePermission]
    write_actions = {None: Action.CONFLICT_MEASURE}

    @extend_schema(
        operation_id="conflict_declarations_measure",
        summary="Record the measure taken for a declared conflict",
        description="For an evaluator who declared a conflict of interest: the measure the buyer took (e.g. replaced on the panel), recorded in the audit trail (art. 24).",
        parameters=[
            TENDER_ID,
            OpenApiParameter("declaration", OpenApiTypes.UUID, OpenApiParameter.PATH),
        ],
        request=MeasureSerializer,
        responses={200: DeclarationSerializer, **problems(*WRITE, 409)},
    )
    def post(self, request, pk, declaration):
        tender = _tender(request, pk)
        obj = get_object_or_404(selectors.declarations_for(request.user, tender), pk=declaration)
        serializer = MeasureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.record_conflict_measure(
            declaration=obj, actor=request.user, measure=serializer.validated_data["measure"]
        )
        return Response(DeclarationSerializer(obj).data)


class ScoresView(APIView):
    permission_classes = [RolePermission]
    write_actions = {None: Action.BIDS_SCORE}

    @extend_schema(
        operation_id="evaluator_scores_list",
        summary="Your own manual scores",
        description="Blind: an evaluator sees only their own scores (`?history=true` adds earlier versions); other evaluators' scores are never shown here.",
        parameters=[TENDER_ID, OpenApiParameter("history", bool)],
        responses={200: ScoreSerializer(many=True), **problems(*READ)},
    )
    def get(self, request, pk):
        tender = _tender(request, pk)
        history = request.query_params.get("history") in ("1", "true")
        return Response(
            ScoreSerializer(
                selectors.own_scores(request.user, tender, history=history).order_by("created_at"),
                many=True,
            ).data
        )

    @extend_schema(
        operation_id="evaluator_scores_put",
        summary="Submit your scores",
        description="Scores within 0..scale_max of each manual criterion; a changed score becomes a new version and the old one is kept. 409 before declaring no conflict.",
        parameters=[TENDER_ID],
        request=ScoresInputSerializer,
        responses={200: ScoreSerializer(many=True), **problems(*WRITE, 409)},
    )
    def put(self, request, pk):
        tender = _tender(request, pk)
        serializer = ScoresInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.submit_scores(
            tender=tender,
            actor=request.user,
            items=[dict(i) for i in serializer.validated_data["scores"]],
        )
        return Response(ScoreSerializer(saved, many=True).data)


class ConsensusView(APIView):
    permission_classes = [RolePermission]
    write_actions = {None: Action.CONSENSUS_SET}

    @extend_schema(
        operation_id="consensus_list",
        summary="Consensus scores and items needing moderation",
        description="The current consensus per bid and manual criterion, every evaluator's current score, and the items whose scores spread more than the threshold.",
        parameters=[TENDER_ID],
        responses={
            200: ConsensusOverviewSerializer,
            **problems(*READ, 403),
        },
    )
    def get(self, request, pk):
        tender = _tender(request, pk)
        if not policy.may(request.user, Action.EVALUATION_READ):
            raise NotAllowed(
                _("Only officers, admins and auditors see consensus and everyone's scores.")
            )
        scores = selectors.all_scores(request.user, tender).filter(is_current=True)
        return Response(
            {
                "consensus": ConsensusSerializer(
                    selectors.consensus_for(request.user, tender), many=True
                ).data,
                "evaluator_scores": [
                    {
                        **ScoreSerializer(s).data,
                        "evaluator": {"id": str(s.evaluator_id), "username": s.evaluator.username},
                    }
                    for s in scores
                ],
                "moderation": selectors.moderation_items(tender),
                "missing": selectors.missing_items(tender)
                if tender.status in selectors.EVALUABLE
                else [],
            }
        )

    @extend_schema(
        operation_id="consensus_put",
        summary="Set consensus scores",
        description="An officer settles each item with a written justification; earlier versions are kept.",
        parameters=[TENDER_ID],
        request=ConsensusInputSerializer,
        responses={200: ConsensusSerializer(many=True), **problems(*WRITE, 409)},
    )
    def put(self, request, pk):
        tender = _tender(request, pk)
        serializer = ConsensusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.set_consensus(
            tender=tender,
            actor=request.user,
            items=[dict(i) for i in serializer.validated_data["scores"]],
        )
        return Response(ConsensusSerializer(saved, many=True).data)


class AwardView(APIView):
    permission_classes = [RolePermission]
    write_actions = {None: Action.TENDER_AWARD}

    @extend_schema(
        operation_id="tender_award_retrieve",
        summary="Read the award",
        description=(
            "The award decision of the tender: the evaluation it rests on, per lot the winning "
            "bid(s), the justification and when the standstill period ends. For those who may "
            "read the evaluation; 404 before the award."
        ),
        parameters=[TENDER_ID],
        responses={200: AwardSerializer, **problems(*READ)},
    )
    def get(self, request, pk):
        tender = _tender(request, pk)
        award = get_object_or_404(
            Award.objects.select_related("decided_by").filter(
                evaluation__in=selectors.evaluations_for(request.user)
            ),
            tender=tender,
        )
        return Response(AwardSerializer(award).data)

    @extend_schema(
        operation_id="tender_award",
        summary="Award the tender",
        description=(
            "Names the completed evaluation and per lot the winning bid(s) (a ranked framework may name several), "
            "with a justification. Winners that deviate from the ranking need the deviation explained. "
            "The tender becomes `awarded` and the standstill period starts; "
            "`Content-Location` names `GET /tenders/{id}/award/`, where it can be read again."
        ),
        parameters=[TENDER_ID],
        request=AwardInputSerializer,
        responses={200: AwardSerializer, **problems(*WRITE, 409)},
    )
    def post(self, request, pk):
        tender = _tender(request, pk)
        serializer = AwardInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evaluation = get_object_or_404(
            selectors.evaluations_for(request.user), pk=data["evaluation"]
        )
        lots = data.get("lots") or [{"lot": None, "bids": [data["bid"]]}]
        award = services.award_tender(
            tender=tender,
            actor=request.user,
            evaluation=evaluation,
            lots=[
                {"lot": item["lot"] and str(item["lot"]), "bids": [str(b) for b in item["bids"]]}
                for item in lots
            ],
            justification=data["justification"],
        )
        return Response(
            AwardSerializer(award).data,
            headers={"Content-Location": f"/api/v1/tenders/{tender.pk}/award/"},
        )


class SimulationsView(APIView):
    permission_classes = [RolePermission]
    write_actions = {None: Action.TENDER_SIMULATE}

    @extend_schema(
        operation_id="tender_simulations_create",
        summary="Simulate the configuration with fictitious bids",
        description=(
            "Runs the tender's draft or frozen configuration against bids you type in (responses by criterion code), "
            "before or after publishing, to test for rank reversal and surprises. Never touches real bids."
        ),
        parameters=[TENDER_ID],
        request=SimulationInputSerializer,
        responses={201: SimulationSerializer, **problems(*WRITE)},
    )
    def post(self, request, pk):
        tender = _tender(request, pk)
        serializer = SimulationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bids = []
        for item in serializer.validated_data["bids"]:
            bid = dict(item)
            if bid.get("submitted_at"):
                bid["submitted_at"] = utc_text(bid["submitted_at"])
            bids.append(bid)
        simulation = services.simulate(
            tender=tender,
            actor=request.user,
            bids=bids,
            scores=[dict(s) for s in serializer.validated_data["scores"]],
        )
        return Response(
            _simulation(simulation),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/tenders/{tender.pk}/simulations/{simulation.pk}/"},
        )


def _simulation(simulation: Simulation) -> dict:
    return {
        "id": str(simulation.pk),
        "created_at": simulation.created_at,
        "result": json.loads(simulation.result_json),
    }


class SimulationView(APIView):
    permission_classes = [RolePermission]
    read_actions = {None: Action.TENDER_SIMULATE}

    @extend_schema(
        operation_id="tender_simulations_retrieve",
        summary="Read a simulation",
        description="A simulation run earlier (the Location of its creation), for those who may simulate the tender.",
        parameters=[
            TENDER_ID,
            OpenApiParameter("simulation", OpenApiTypes.UUID, OpenApiParameter.PATH),
        ],
        responses={200: SimulationSerializer, **problems(*READ, 403)},
    )
    def get(self, request, pk, simulation):
        tender = _tender(request, pk)
        if not policy.may(
            request.user, Action.TENDER_SIMULATE, organization_id=tender.organization_id
        ):
            raise Http404
        obj = get_object_or_404(Simulation.objects.filter(tender=tender), pk=simulation)
        return Response(_simulation(obj))


class BidEvaluationView(APIView):
    @extend_schema(
        operation_id="bid_evaluation",
        summary="A supplier's own evaluation, after award",
        description="Your bid's ranking, points and explanations, and the winner's total and category profile; never other losers' details. 409 before the award.",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The bid's id"
            )
        ],
        responses={
            200: OpenApiResponse(
                description="{bid, evaluation, awarded, own, winners, standstill_ends_at}"
            ),
            **problems(*READ, 409),
        },
    )
    def get(self, request, pk):
        # The supplier's own view: buyers read the evaluation's results instead.
        own_bids = procurement_selectors.bids_for(request.user).filter(
            supplier_id=request.user.organization_id
        )
        bid = get_object_or_404(own_bids, pk=pk)
        return Response(selectors.supplier_view(bid=bid))
