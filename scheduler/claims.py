"""Exclusivity from the database: the daemon's leader lease and per-source run claims."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.models import CrawlRun, utcnow
from archive.models_monitor import DaemonLease, RunClaim

LEASE_NAME = "scheduler"


class SourceBusy(RuntimeError):
    """Another process is crawling this source (or already took this scheduled firing)."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def acquire_lease(session: Session, holder: str, ttl: float, name: str = LEASE_NAME, force: bool = False) -> bool:
    """Take or renew the lease; an expired lease (its holder died or hung) can be taken over, and any lease when
    `force` (the caller holds the PostgreSQL advisory lock, so the previous holder is gone).

    SQLite serialises writers (BEGIN IMMEDIATE), PostgreSQL locks the row (FOR UPDATE); a concurrent first insert
    loses on the primary key.
    """
    now = utcnow()
    expires = now + dt.timedelta(seconds=ttl)
    row = session.get(DaemonLease, name, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                session.add(DaemonLease(name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=expires))
        except IntegrityError:
            return False
        return True
    if row.holder != holder and row.expires_at > now and not force:
        return False
    if row.holder != holder:
        row.holder, row.acquired_at = holder, now
    row.renewed_at, row.expires_at = now, expires
    return True


class AdvisoryLock:
    """PostgreSQL: a session advisory lock on a connection of its own; the server drops it when the holder dies."""

    KEY = 0x706F6C61  # 'pola'

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def hold(self) -> bool:
        if self.conn is not None:
            try:
                self.conn.exec_driver_sql("select 1")
                return True
            except Exception:  # the connection (and with it the lock) is gone
                self.close()
                return False
        conn = self.engine.connect()
        got = conn.execute(text("select pg_try_advisory_lock(:k)"), {"k": self.KEY}).scalar()
        conn.commit()
        if got:
            self.conn = conn
            return True
        conn.close()
        return False

    def close(self) -> None:
        """Invalidate rather than return to the pool: a pooled connection would keep the lock."""
        if self.conn is not None:
            self.conn.invalidate()
            self.conn.close()
            self.conn = None


def release_lease(session: Session, holder: str, name: str = LEASE_NAME) -> None:
    """Expire it now (the row stays, so status can say who held it last)."""
    session.execute(update(DaemonLease).where(DaemonLease.name == name, DaemonLease.holder == holder)
                    .values(expires_at=utcnow()))


def current_lease(session: Session, name: str = LEASE_NAME) -> DaemonLease | None:
    return session.get(DaemonLease, name)


def request_reload(session: Session, name: str = LEASE_NAME) -> bool:
    """Ask the running leader to re-read the sources file; False when no daemon holds the lease."""
    result = session.execute(update(DaemonLease).where(DaemonLease.name == name, DaemonLease.expires_at > utcnow())
                             .values(reload_requested_at=utcnow()))
    return result.rowcount > 0


def claim_run(session: Session, source: str, scheduled_for: dt.datetime, holder: str, ttl: float) -> RunClaim:
    """Claim one firing of a source; raises SourceBusy when it is taken or another crawl of the source is active."""
    now = utcnow()
    _reap_expired(session, source, now)
    claim = RunClaim(source=source, scheduled_for=scheduled_for, active=True, holder=holder, claimed_at=now,
                     expires_at=now + dt.timedelta(seconds=ttl))
    try:
        with session.begin_nested():
            session.add(claim)
    except IntegrityError:
        other = session.scalar(select(RunClaim).where(RunClaim.source == source, RunClaim.active.is_(True)))
        why = f"crawl in progress by {other.holder}" if other else f"firing {scheduled_for:%Y-%m-%d %H:%M:%S} taken"
        raise SourceBusy(f"source {source!r} is busy: {why}") from None
    return claim


def _reap_expired(session: Session, source: str, now: dt.datetime) -> None:
    """A claim past its expiry belongs to a holder that died: free the source and close its run as aborted."""
    expired = session.scalars(select(RunClaim).where(RunClaim.source == source, RunClaim.active.is_(True),
                                                     RunClaim.expires_at < now)).all()
    for claim in expired:
        claim.active, claim.released_at = None, now
        if claim.run_id is not None:
            session.execute(update(CrawlRun).where(CrawlRun.id == claim.run_id, CrawlRun.status == "running")
                            .values(status="aborted", finished_at=now,
                                    message=f"its scheduler ({claim.holder}) died; claim expired"))
    session.flush()


def renew_claim(session: Session, claim_id: int, ttl: float) -> None:
    session.execute(update(RunClaim).where(RunClaim.id == claim_id, RunClaim.active.is_(True))
                    .values(expires_at=utcnow() + dt.timedelta(seconds=ttl)))


def release_run(session: Session, claim_id: int, run_id: int | None) -> None:
    session.execute(update(RunClaim).where(RunClaim.id == claim_id)
                    .values(active=None, released_at=utcnow(), run_id=run_id))


def prune_claims(session: Session, keep_days: int = 30) -> None:
    cutoff = utcnow() - dt.timedelta(days=keep_days)
    session.execute(delete(RunClaim).where(RunClaim.active.is_(None), RunClaim.claimed_at < cutoff))
