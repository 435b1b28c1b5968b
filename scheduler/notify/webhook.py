"""Webhook channel: a JSON POST signed with HMAC-SHA256 of the body (secret from POLICY_ARCHIVE_WEBHOOK_SECRET)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from typing import Any

from scheduler.notify.message import DeliveryError

SIGNATURE_HEADER = "X-Policy-Archive-Signature"
TIMEOUT = 10


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(url: str, message: dict[str, Any]) -> None:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "policy-archive",
               "Idempotency-Key": message["id"], "X-Policy-Archive-Event": message["event"]}
    secret = os.environ.get("POLICY_ARCHIVE_WEBHOOK_SECRET")
    if secret:
        headers[SIGNATURE_HEADER] = signature(body, secret)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook {url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook {url} unreachable: {reason}") from None
