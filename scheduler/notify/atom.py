"""Atom channel: one feed file per watch, rewritten atomically with the watch's latest delivered events."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from feedgen.feed import FeedGenerator

from scheduler.notify.message import DeliveryError, plain_text, subject

MAX_ENTRIES = 100


def _when(message: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(message["created_at"]) if message.get("created_at") else dt.datetime.now(dt.UTC)


def write_feed(path: str, watch: str, messages: list[dict[str, Any]]) -> None:
    """`messages` newest last; entry ids are the idempotency keys, so readers dedupe rewrites."""
    fg = FeedGenerator()
    fg.id(f"urn:policy-archive:watch:{watch}")
    fg.title(f"policy-archive: {watch}")
    fg.link(href=Path(path).resolve().as_uri(), rel="self")
    fg.updated(max((_when(m) for m in messages), default=dt.datetime.now(dt.UTC)))
    for m in messages[-MAX_ENTRIES:]:
        entry = fg.add_entry(order="prepend")
        entry.id(f"urn:policy-archive:event:{m['id']}")
        entry.title(subject(m))
        if m.get("url"):
            entry.link(href=m["url"])
        entry.updated(_when(m))
        entry.content(plain_text(m), type="text")  # source events and tests have no link; content keeps it valid
        entry.author(name=m.get("publisher") or m.get("source") or "policy-archive")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        fg.atom_file(str(tmp), pretty=True)
        os.replace(tmp, target)
    except OSError as exc:
        raise DeliveryError(f"atom feed {path}: cannot write: {exc}") from None
