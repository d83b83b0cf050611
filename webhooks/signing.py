"""Secrets and signatures, as Standard Webhooks (standardwebhooks.com) define them.

A secret is ``whsec_`` + base64 of 32 bytes. It is never stored: an endpoint keeps a random
salt, and the secret is HMAC-SHA256(key, salt) with a key derived from SECRET_KEY. A copy of
the database alone therefore does not reveal any secret; rotating SECRET_KEY would change
them all, so the key that made a secret is looked for among SECRET_KEY_FALLBACKS too (a short
hash of the secret, ``secret_check``, tells which one).

A delivery carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 of HMAC-SHA256 over "{id}.{timestamp}.{body}">``, with the
bytes the secret's base64 stands for as the HMAC key.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

PREFIX = "whsec_"
SECRET_BYTES = 32
_PURPOSE = b"anbud.webhooks.secret/v1"


class SecretUnavailable(Exception):
    """No key this server knows derives the endpoint's secret (SECRET_KEY was replaced)."""


def new_salt() -> str:
    return secrets.token_hex(16)


def _derive(server_key: str, salt: str) -> str:
    key = hmac.new(server_key.encode(), _PURPOSE, hashlib.sha256).digest()
    raw = hmac.new(key, salt.encode(), hashlib.sha256).digest()[:SECRET_BYTES]
    return PREFIX + base64.b64encode(raw).decode()


def check_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def secret_for_salt(salt: str) -> tuple[str, str]:
    """(secret, its check) for a new endpoint, from the current SECRET_KEY."""
    secret = _derive(settings.SECRET_KEY, salt)
    return secret, check_of(secret)


def secret_of(salt: str, check: str) -> str:
    """The endpoint's secret, from SECRET_KEY or one of SECRET_KEY_FALLBACKS."""
    for server_key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        secret = _derive(server_key, salt)
        if hmac.compare_digest(check_of(secret), check):
            return secret
    raise SecretUnavailable(salt)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The value of the ``webhook-signature`` header."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)
