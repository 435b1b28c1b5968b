"""Outbox writes: events go into `outbox_event` in the caller's transaction, beside the rows they describe."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from archive.models import CrawlRun, Document, Source, Version
from archive.models_monitor import OutboxEvent

DOCUMENT_EVENTS = ("document.new", "document.changed", "document.removed")
SOURCE_EVENTS = ("source.failing", "source.recovered")
FAILED_STATUSES = ("failed", "timeout")
SNIPPET_CHARS = 200


def new_window_days() -> int:
    """document.new only for publications this recent (POLICY_ARCHIVE_NEW_WINDOW_DAYS), so back-fills stay quiet."""
    return int(os.environ.get("POLICY_ARCHIVE_NEW_WINDOW_DAYS") or 7)


def failing_threshold() -> int:
    return int(os.environ.get("POLICY_ARCHIVE_FAILING_AFTER") or 3)


def emit(session: Session, type_: str, source: str, payload: dict[str, Any], document_id: int | None = None
         ) -> OutboxEvent:
    event = OutboxEvent(key=uuid.uuid4().hex, type=type_, source=source, document_id=document_id, payload=payload)
    session.add(event)
    return event


def _document_payload(url: str, version: Version | dict[str, Any], source: str) -> dict[str, Any]:
    v = version if isinstance(version, dict) else {c: getattr(version, c) for c in
                                                   ("title", "published", "publisher", "text", "number", "id")}
    return {"url": url, "title": v["title"], "published": v["published"], "publisher": v["publisher"],
            "source": source, "snippet": v["text"][:SNIPPET_CHARS], "version": v["number"], "version_id": v["id"]}


def diff_summary(old: str, new: str, limit: int = 160) -> str:
    """'+2/-1 lines: <first added line>' — enough to tell a correction from a rewrite."""
    added, removed = [], []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
        elif line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
    first = (added or removed or [""])[0].strip()
    return f"+{len(added)}/-{len(removed)} lines: {first[:limit]}"


def _recent(published_on: dt.date | None, seen_at: dt.datetime, window_days: int) -> bool:
    if published_on is None:
        return True
    return published_on >= (seen_at - dt.timedelta(days=window_days)).date()


def _source_crawled_before(session: Session, source_id: int) -> bool:
    return session.scalar(select(CrawlRun.id).where(CrawlRun.source_id == source_id, CrawlRun.status == "ok")
                          .limit(1)) is not None


class _StoredDoc(Protocol):
    id: int
    source_id: int
    url: str


def versions_stored(session: Session, stored: Sequence[tuple[_StoredDoc, dict[str, Any], int | dict | None]]
                    ) -> None:
    """Called by the store right after a batch of versions is written (same transaction): (document, version row,
    the version it replaced — a stored id, a row of the same batch, or None)."""
    if not stored:
        return
    names = dict(session.execute(select(Source.id, Source.name).where(
        Source.id.in_({doc.source_id for doc, _, _ in stored}))).all())
    old_ids = [p for _, _, p in stored if isinstance(p, int)]
    old_texts = dict(session.execute(select(Version.id, Version.text).where(Version.id.in_(old_ids))).all()) \
        if old_ids else {}
    crawled: dict[int, bool] = {}
    window = new_window_days()
    rows = []
    for doc, row, prev in stored:
        name = names.get(doc.source_id, "")
        payload = _document_payload(doc.url, row, name)
        if prev is not None:
            old_text = prev["text"] if isinstance(prev, dict) else old_texts.get(prev, "")
            payload["diff"] = diff_summary(old_text, row["text"])
            rows.append(_event_row("document.changed", name, payload, doc.id))
            continue
        if not _recent(row["published_on"], row["first_seen"], window):
            continue
        if row["published_on"] is None:
            if doc.source_id not in crawled:
                crawled[doc.source_id] = _source_crawled_before(session, doc.source_id)
            if not crawled[doc.source_id]:
                continue  # an undated page on a source's first crawl is back-fill, not news
        rows.append(_event_row("document.new", name, payload, doc.id))
    if rows:
        session.execute(insert(OutboxEvent.__table__), rows)


def _event_row(type_: str, source: str, payload: dict[str, Any], document_id: int) -> dict[str, Any]:
    return {"key": uuid.uuid4().hex, "type": type_, "source": source, "document_id": document_id,
            "payload": payload}


def document_gone(session: Session, url: str, status: int) -> OutboxEvent | None:
    """A 404/410 where an archived document was: one document.removed until the document comes back."""
    doc = session.scalar(select(Document).where(Document.url == url))
    if doc is None or doc.current_version_id is None:
        return None
    last = session.scalar(select(OutboxEvent.type).where(OutboxEvent.document_id == doc.id,
                                                         OutboxEvent.type.in_(DOCUMENT_EVENTS))
                          .order_by(OutboxEvent.id.desc()).limit(1))
    if last == "document.removed":
        return None
    version = session.get(Version, doc.current_version_id)
    assert version is not None
    payload = _document_payload(doc.url, version, doc.source.name) | {"status": status}
    return emit(session, "document.removed", doc.source.name, payload, doc.id)


def consecutive_failures(session: Session, source_id: int, before_id: int | None = None) -> int:
    stmt = select(CrawlRun.status).where(CrawlRun.source_id == source_id, CrawlRun.status != "running")
    if before_id is not None:
        stmt = stmt.where(CrawlRun.id < before_id)
    count = 0
    for status in session.scalars(stmt.order_by(CrawlRun.id.desc()).limit(1000)):
        if status not in FAILED_STATUSES:
            break
        count += 1
    return count


def run_finished(session: Session, run: CrawlRun) -> OutboxEvent | None:
    """source.failing on the Nth consecutive failure, source.recovered on the first success after that."""
    threshold = failing_threshold()
    before = consecutive_failures(session, run.source_id, before_id=run.id)
    name = run.source.name
    payload = {"source": name, "run_id": run.id, "status": run.status, "message": run.message,
               "url": None, "title": None, "published": None, "publisher": None, "snippet": run.message or ""}
    if run.status in FAILED_STATUSES and before + 1 == threshold:
        return emit(session, "source.failing", name, payload | {"failures": threshold})
    if run.status == "ok" and before >= threshold:
        return emit(session, "source.recovered", name, payload | {"failures": before})
    return None


def known_article_urls(session: Session, source_id: int, days: int = 7, limit: int = 100) -> list[str]:
    """Articles first archived lately: the crawler re-fetches the ones no listing linked, to notice removals.

    Bounded by first_seen (not last_seen, which every re-fetch moves), so each article is re-checked for a week only.
    """
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
    stmt = (select(Document.url).where(Document.source_id == source_id, Document.kind == "article",
                                       Document.current_version_id.is_not(None), Document.first_seen >= since)
            .order_by(Document.first_seen.desc()).limit(limit))
    return list(session.scalars(stmt))
