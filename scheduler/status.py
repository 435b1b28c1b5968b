"""Status at a glance: per-source schedule, next and last run, failures and documents; the daemon's health."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from archive.events import consecutive_failures
from archive.models import CrawlRun, Document, utcnow
from archive.models import Source as SourceRow
from archive.models_monitor import Delivery, OutboxEvent
from archive.queries import run_record
from crawler.sources import Source
from scheduler.claims import current_lease
from scheduler.daemon import JOBS_TABLE


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(tzinfo=dt.UTC).isoformat() if value else None


def _next_runs(session: Session) -> dict[str, str]:
    if not inspect(session.connection()).has_table(JOBS_TABLE):
        return {}
    rows = session.execute(text(f"select id, next_run_time from {JOBS_TABLE}")).all()
    return {job_id: dt.datetime.fromtimestamp(ts, dt.UTC).isoformat() for job_id, ts in rows if ts is not None}


def _last_run(session: Session, source_id: int) -> dict[str, Any] | None:
    run = session.scalar(select(CrawlRun).where(CrawlRun.source_id == source_id).order_by(CrawlRun.id.desc()).limit(1))
    if run is None:
        return None
    record = run_record(run)
    if run.finished_at:
        record["seconds"] = round((run.finished_at - run.started_at).total_seconds(), 1)
    return record


def source_status(session: Session, sources: list[Source]) -> list[dict[str, Any]]:
    next_runs = _next_runs(session)
    rows = {r.name: r for r in session.scalars(select(SourceRow))}
    docs = dict(session.execute(select(Document.source_id, func.count()).group_by(Document.source_id)).all())
    out = []
    for source in sources:
        row = rows.get(source.name)
        out.append({"source": source.name, "title": source.title, "schedule": source.schedule,
                    "enabled": source.enabled, "next_run": next_runs.get(source.name),
                    "last_run": _last_run(session, row.id) if row else None,
                    "consecutive_failures": consecutive_failures(session, row.id) if row else 0,
                    "documents": docs.get(row.id, 0) if row else 0})
    return out


def daemon_status(session: Session) -> dict[str, Any]:
    lease = current_lease(session)
    running = bool(lease and lease.expires_at > utcnow())
    pending = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "pending"))
    failed = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "failed"))
    undispatched = session.scalar(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.dispatched_at.is_(None)))
    return {"running": running, "since": _iso(lease.acquired_at) if running and lease else None,
            "lease_holder": lease.holder if lease else None, "lease_expires": _iso(lease.expires_at) if lease else None,
            "last_renewed": _iso(lease.renewed_at) if lease else None,
            "events_undispatched": undispatched, "deliveries_pending": pending, "deliveries_failed": failed}
