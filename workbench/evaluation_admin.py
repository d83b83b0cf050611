"""The list of evaluations in words (auditors keep it beside their desk): each run named by
its tender and number as on the tender page, its method and times in Swedish, and a link to
the workbench's evaluation page, which shows the result; the stock detail page leads there."""

from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from scoring.admin import EvaluationAdmin
from scoring.models import Evaluation
from workbench import formats, words


class MethodFilter(admin.SimpleListFilter):
    title = _("evaluation method")
    parameter_name = "method"

    def lookups(self, request, model_admin):
        return list(words.METHOD_WORDS.items())

    def queryset(self, request, queryset):
        return queryset.filter(method=self.value()) if self.value() else queryset


class EvaluationListAdmin(EvaluationAdmin):
    list_display = [
        "name",
        "status",
        "progress_percent",
        "method_words",
        "engine_version",
        "started",
        "finished",
    ]
    list_display_links = None
    list_filter = ["status", MethodFilter]
    search_fields = ["tender__reference", "tender__title"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        earlier = (
            Evaluation.objects.filter(
                tender=OuterRef("tender"), created_at__lte=OuterRef("created_at")
            )
            .order_by()
            .values("tender")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("tender")
            .annotate(number=Subquery(earlier))
        )

    @admin.display(description=_("evaluation"), ordering="created_at")
    def name(self, evaluation):
        return format_html(
            '<a href="{}">{}</a>',
            _url(evaluation),
            _("Evaluation %(number)s of %(reference)s")
            % {"number": evaluation.number, "reference": evaluation.tender.reference},
        )

    @admin.display(description=_("progress"), ordering="progress")
    def progress_percent(self, evaluation):
        return formats.share(Decimal(evaluation.progress) / 100)

    @admin.display(description=_("evaluation method"), ordering="method")
    def method_words(self, evaluation):
        return words.value(evaluation.method)

    @admin.display(description=_("started"), ordering="started_at")
    def started(self, evaluation):
        return formats.when(evaluation.started_at)

    @admin.display(description=_("finished"), ordering="finished_at")
    def finished(self, evaluation):
        return formats.when(evaluation.finished_at)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        evaluation = self.get_object(request, unquote(object_id))
        if evaluation is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(_url(evaluation))


def _url(evaluation: Evaluation) -> str:
    return reverse(
        "admin:procurement_tender_evaluation", args=[quote(evaluation.tender_id), evaluation.pk]
    )


admin.site.unregister(Evaluation)
admin.site.register(Evaluation, EvaluationListAdmin)
