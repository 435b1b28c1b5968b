"""Monitoring schema: the event outbox, per-channel deliveries, run claims and the daemon's leader lease."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.models import Base, utcnow


class OutboxEvent(Base):
    """An event written in the same transaction as the data it describes; `key` is the idempotency key."""

    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(32))  # document.new | document.changed | document.removed | source.*
    source: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(index=True)  # fanned out to watch deliveries


class Delivery(Base):
    """One event to one channel of one watch: the delivery log, retried with backoff until sent or given up."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("event_id", "watch", "channel", name="uq_delivery_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(index=True)
    watch: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # webhook | email | digest | atom | console
    target: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


Index("ix_delivery_status_next_attempt_at", Delivery.status, Delivery.next_attempt_at)


class RunClaim(Base):
    """A firing claims (source, scheduled time) once; `active` is 1 while crawling and NULL after, and NULLs are
    distinct in a unique index on both SQLite and PostgreSQL, so at most one active claim per source exists."""

    __tablename__ = "run_claim"
    __table_args__ = (
        UniqueConstraint("source", "scheduled_for", name="uq_run_claim_source"),
        UniqueConstraint("source", "active", name="uq_run_claim_source_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[dt.datetime]
    active: Mapped[bool | None]
    holder: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None]
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]  # a holder that died stops blocking the source after this
    released_at: Mapped[dt.datetime | None]


class DaemonLease(Base):
    """The leader lease: one row per name; whoever holds an unexpired lease runs the schedule."""

    __tablename__ = "daemon_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    renewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    reload_requested_at: Mapped[dt.datetime | None]
