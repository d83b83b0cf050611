"""How a receiving system checks a delivery (Standard Webhooks), written from API.md alone:
HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}" with the bytes of the secret's
base64 part, base64-encoded, compared with each "v1,<signature>" of the header."""

import base64
import hashlib
import hmac
import json
import time

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> dict:
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise ValueError("timestamp too far from now")
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise ValueError("no valid signature")
