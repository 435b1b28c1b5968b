"""At-least-once delivery: fan outbox events out to per-channel delivery rows, send, then record the result.

A crash between sending and recording resends the same message with the same idempotency key (`id`), so a
receiver can always recognise the duplicate; nothing is marked sent before it was sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.db import Database
from archive.models import Version, utcnow
from archive.models_monitor import Delivery, OutboxEvent
from corpus.normalize import normalize_text
from scheduler.notify.atom import write_feed
from scheduler.notify.console import print_event
from scheduler.notify.email import send_digest, send_email
from scheduler.notify.message import DeliveryError, event_message
from scheduler.notify.webhook import send_webhook
from scheduler.watches import Watch

logger = logging.getLogger(__name__)

SENDERS: dict[str, Callable[[str, dict[str, Any]], None]] = {
    "webhook": send_webhook, "email": send_email, "console": lambda _target, m: print_event(m)}


def retry_base() -> float:
    return float(os.environ.get("POLICY_ARCHIVE_RETRY_SECONDS") or 30)


def max_attempts() -> int:
    return int(os.environ.get("POLICY_ARCHIVE_MAX_ATTEMPTS") or 10)


def digest_period() -> dt.timedelta:
    return dt.timedelta(hours=float(os.environ.get("POLICY_ARCHIVE_DIGEST_HOURS") or 24))


def _match_text(session: Session, event: OutboxEvent) -> str:
    payload = event.payload or {}
    version = session.get(Version, payload["version_id"]) if payload.get("version_id") else None
    return normalize_text(payload.get("title") or "") + "\n" + (version.text_norm if version else "")


def dispatch(db: Database, watches: dict[str, Watch], batch: int = 500) -> int:
    """One delivery row per matching (watch, channel), in the same transaction that marks the event dispatched."""
    with db.unit_of_work() as session:
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
                                 .order_by(OutboxEvent.id).limit(batch)).all()
        created = 0
        for event in events:
            text = _match_text(session, event) if event.type.startswith("document.") else ""
            for watch in watches.values():
                if watch.matches(event.type, event.source, text):
                    for channel, target in watch.channels():
                        session.add(Delivery(event_id=event.id, watch=watch.name, channel=channel, target=target))
                        created += 1
            event.dispatched_at = utcnow()
    return created


def _record(db: Database, ids: list[int], error: str | None) -> None:
    now = utcnow()
    with db.unit_of_work() as session:
        for delivery in session.scalars(select(Delivery).where(Delivery.id.in_(ids))):
            delivery.attempts += 1
            if error is None:
                delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
                continue
            delivery.last_error = error
            if delivery.attempts >= max_attempts():
                delivery.status = "failed"
            else:
                delay = min(retry_base() * 2 ** (delivery.attempts - 1), 6 * 3600)
                delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
    if error:
        logger.warning("delivery %s failed: %s", ids, error)


def _atom_messages(session: Session, watch: str, target: str, current: Delivery) -> list[dict[str, Any]]:
    rows = session.execute(select(Delivery, OutboxEvent).join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
                           .where(Delivery.channel == "atom", Delivery.watch == watch, Delivery.target == target,
                                  (Delivery.status == "sent") | (Delivery.id == current.id))
                           .order_by(Delivery.id.desc()).limit(100)).all()
    return [event_message(e, watch) for _d, e in reversed(rows)]


def _send_one(db: Database, delivery: Delivery, event: OutboxEvent) -> str | None:
    try:
        if delivery.channel == "atom":
            with db.unit_of_work() as session:
                messages = _atom_messages(session, delivery.watch, delivery.target, delivery)
            write_feed(delivery.target, delivery.watch, messages)
        elif delivery.channel in SENDERS:
            SENDERS[delivery.channel](delivery.target, event_message(event, delivery.watch))
        else:
            return f"unknown channel {delivery.channel!r}"
    except DeliveryError as exc:
        return str(exc)
    except Exception as exc:  # a channel bug must not stop the other deliveries
        logger.exception("delivery %s crashed", delivery.id)
        return f"{type(exc).__name__}: {exc}"
    return None


def deliver_due(db: Database, batch: int = 100, stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """Send every due per-event delivery once; returns counts of sent and failed attempts."""
    now = utcnow()
    with db.unit_of_work() as session:
        due = session.execute(select(Delivery, OutboxEvent).join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
                              .where(Delivery.status == "pending", Delivery.channel != "digest",
                                     Delivery.next_attempt_at <= now)
                              .order_by(Delivery.id).limit(batch)).all()
    counts = {"sent": 0, "failed": 0}
    for delivery, event in due:
        if stop():
            break
        error = _send_one(db, delivery, event)
        _record(db, [delivery.id], error)
        counts["failed" if error else "sent"] += 1
    return counts


def deliver_digests(db: Database, period: dt.timedelta | None = None) -> int:
    """One mail per (watch, address) once its oldest pending digest entry is a period old."""
    cutoff = utcnow() - (period if period is not None else digest_period())
    with db.unit_of_work() as session:
        groups = session.execute(select(Delivery.watch, Delivery.target).where(
            Delivery.status == "pending", Delivery.channel == "digest", Delivery.next_attempt_at <= utcnow())
            .group_by(Delivery.watch, Delivery.target).having(func.min(Delivery.created_at) <= cutoff)).all()
        batches = []
        for watch, target in groups:
            rows = session.execute(select(Delivery, OutboxEvent).join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
                                   .where(Delivery.status == "pending", Delivery.channel == "digest",
                                          Delivery.watch == watch, Delivery.target == target)
                                   .order_by(Delivery.id)).all()
            batches.append((target, [d.id for d, _ in rows], [event_message(e, watch) for _, e in rows]))
    for target, ids, messages in batches:
        key = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:24]
        try:
            send_digest(target, messages, key)
            error = None
        except DeliveryError as exc:
            error = str(exc)
        _record(db, ids, error)
    return len(batches)


def deliver_pending(db: Database, watches: dict[str, Watch], stop: Callable[[], bool] = lambda: False
                    ) -> dict[str, int]:
    """One delivery pass: fan out, send what is due, send digests that are due."""
    created = dispatch(db, watches)
    counts = deliver_due(db, stop=stop)
    counts["dispatched"] = created
    counts["digests"] = deliver_digests(db)
    return counts
