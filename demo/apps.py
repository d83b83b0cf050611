from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`make run`): above every domain app, since it uses them all."""

    name = "demo"
    verbose_name = "Demo data"
