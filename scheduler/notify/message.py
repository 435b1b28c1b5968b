"""The message every channel sends for one event: the webhook JSON contract, also used for mail and feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from archive.models_monitor import OutboxEvent

LABELS = {"document.new": "新文件", "document.changed": "文件更新", "document.removed": "文件撤下",
          "source.failing": "来源故障", "source.recovered": "来源恢复"}


class DeliveryError(RuntimeError):
    """A channel could not deliver; the delivery is retried with backoff."""


def event_message(event: OutboxEvent, watch: str) -> dict[str, Any]:
    """`id` is the idempotency key: the same for every retry and redelivery of this event."""
    p = event.payload or {}
    created = event.created_at.replace(tzinfo=dt.UTC).isoformat() if event.created_at else None
    message = {"event": event.type, "id": event.key, "url": p.get("url"), "title": p.get("title"),
               "published": p.get("published"), "publisher": p.get("publisher"), "source": event.source,
               "snippet": p.get("snippet") or "", "watch": watch, "created_at": created}
    for extra in ("diff", "version", "status", "failures", "message"):
        if p.get(extra) is not None:
            message[extra] = p[extra]
    return message


def subject(message: dict[str, Any]) -> str:
    label = LABELS.get(message["event"], message["event"])
    what = message.get("title") or message.get("source")
    return f"[policy-archive] {label}: {what}"


def plain_text(message: dict[str, Any]) -> str:
    lines = [f"{k}: {message[k]}" for k in ("event", "title", "url", "published", "publisher", "source", "diff")
             if message.get(k)]
    return "\n".join(lines) + "\n\n" + (message.get("snippet") or "") + f"\n\n(id {message['id']})\n"
