from django.apps import AppConfig


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = "Criteria"
    default_auto_field = "django.db.models.BigAutoField"
