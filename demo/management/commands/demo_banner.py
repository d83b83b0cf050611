from django.core.management.base import BaseCommand

from demo.management.commands.load_demo_data import BUYER_MEMBERS, DEMO_PASSWORD, SUPPLIERS


class Command(BaseCommand):
    help = "Print the URLs and demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        base = f"http://{host}:{port}"
        users = (
            ["operator (superuser)"]
            + [f"{u} ({r})" for u, r, *_ in BUYER_MEMBERS]
            + [f"{u} (bidder, {facts['name']})" for facts, u in SUPPLIERS]
        )
        lines = [
            "",
            "Anbud is starting:",
            f"  API          {base}/api/v1/",
            f"  Swagger UI   {base}/api/docs/",
            f"  ReDoc        {base}/api/redoc/",
            f"  OpenAPI      {base}/api/schema/",
            f"  Admin        {base}/admin/",
            f"  Health       {base}/healthz  {base}/readyz",
            "",
            f"Demo logins (password '{DEMO_PASSWORD}' for all):",
            *[f"  {u}" for u in users],
            "",
        ]
        self.stdout.write("\n".join(lines))
