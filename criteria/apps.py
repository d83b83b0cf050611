from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("Criteria")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # What procurement (below criteria) asks of criteria; imported once the models load.
        from criteria import answers, checks  # noqa: PLC0415 - models load after the registry
        from procurement import extensions  # noqa: PLC0415 - models load after the registry

        extensions.add_publish_checks(checks.criteria_checks)
        extensions.provide_bid_answers(answers)
