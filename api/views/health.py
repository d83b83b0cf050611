from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe
from kombu import Connection


# GET and HEAD only: anything else (TRACE included) is 405 with Allow.
@require_safe
def healthz(request):
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


@require_safe
def readyz(request):
    """Readiness: the database answers, and the broker when one is configured (503 otherwise)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {exc.__class__.__name__}"
    if settings.CELERY_BROKER_URL:
        try:
            # One attempt: a probe that waited for kombu's retry interval (2 s) would outlast the
            # probe's own timeout.
            with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=0, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"down: {exc.__class__.__name__}"
    else:
        checks["broker"] = "eager (no broker configured)"
    down = [name for name, state in checks.items() if state.startswith("down")]
    status = 503 if down else 200
    return JsonResponse(
        {"status": "unavailable" if down else "ok", "down": down, "checks": checks}, status=status
    )
