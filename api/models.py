"""What the API layer itself keeps: the answers given to requests with an Idempotency-Key."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` of one caller (a token, or a user signed in with a session)
    and the answer its request got, kept for ``ANBUD_IDEMPOTENCY_HOURS`` (api/idempotency.py).

    ``status`` is null while the first request is in flight; its answer is stored in the same
    transaction as the change it made, so a key is never left claimed by a change that
    committed without its answer.
    """

    scope = models.CharField(max_length=80, verbose_name=_("scope"))
    key = models.CharField(max_length=255, verbose_name=_("key"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    method = models.CharField(max_length=10, verbose_name=_("method"))
    path = models.CharField(max_length=2000, verbose_name=_("path"))
    fingerprint = models.CharField(max_length=64, verbose_name=_("request fingerprint"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))
    locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("locked until"))
    status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("status"))
    headers = models.JSONField(default=dict, blank=True, verbose_name=_("headers"))
    body = models.BinaryField(default=b"", blank=True, verbose_name=_("body"))

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="api_idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"
