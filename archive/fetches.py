"""Crawler-facing reads and writes: what was fetched before, revisit times, attachments, WARC-backed fetches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.models import Document, Fetch, Source, Version


@dataclass(frozen=True)
class KnownUrl:
    """The last fetch of a URL that carried a body and became a document: validators, digest, revisit time."""

    url: str
    document_id: int
    fetched_at: dt.datetime
    etag: str | None
    last_modified: str | None
    payload_digest: str | None
    next_check_at: dt.datetime | None


def known_urls(session: Session, source_id: int) -> dict[str, KnownUrl]:
    """Every article/attachment URL of a source that was archived, keyed by fetch URL (one query)."""
    latest = (
        select(func.max(Fetch.id).label("id"))
        .where(Fetch.source_id == source_id, Fetch.document_id.is_not(None), Fetch.status == 200,
               Fetch.kind.in_(("article", "attachment")))
        .group_by(Fetch.url)
        .subquery()
    )
    rows = session.execute(
        select(Fetch.url, Fetch.document_id, Fetch.fetched_at, Fetch.etag, Fetch.last_modified, Fetch.payload_digest,
               Document.next_check_at)
        .join(latest, latest.c.id == Fetch.id)
        .join(Document, Document.id == Fetch.document_id)
    ).all()
    return {r.url: KnownUrl(*r) for r in rows}


def has_documents(session: Session, source_name: str) -> bool:
    """Whether anything of the source is archived yet (a first crawl extracts every page it finds)."""
    return session.scalar(select(Document.id).join(Source, Source.id == Document.source_id)
                          .where(Source.name == source_name).limit(1)) is not None


def revisit_at(now: dt.datetime, born: dt.datetime, young_seconds: int, old_seconds: int,
               young_days: int) -> dt.datetime:
    """When a document born (published, else first seen) at `born` may be fetched again."""
    age_days = (now - born).total_seconds() / 86400
    return now + dt.timedelta(seconds=young_seconds if age_days < young_days else old_seconds)


def revisit_documents(session: Session, seen: dict[int, dt.datetime], now: dt.datetime, young_seconds: int,
                      old_seconds: int, young_days: int) -> None:
    """Many documents at once: each was just seen (fetched) at `seen[id]`; move last_seen forward on the document
    and its current version, and set the next check from its age. Three statements for any number."""
    if not seen:
        return
    rows = session.execute(
        select(Document.id, Document.first_seen, Document.last_seen, Document.current_version_id,
               Version.published_on, Version.last_seen.label("version_seen"))
        .outerjoin(Version, Version.id == Document.current_version_id).where(Document.id.in_(list(seen)))
    ).all()
    docs, versions = [], []
    for r in rows:
        born = dt.datetime.combine(r.published_on, dt.time()) if r.published_on else r.first_seen
        docs.append({"id": r.id, "last_seen": max(r.last_seen, seen[r.id]),
                     "next_check_at": revisit_at(now, born, young_seconds, old_seconds, young_days)})
        if r.current_version_id is not None and r.version_seen < seen[r.id]:
            versions.append({"id": r.current_version_id, "last_seen": seen[r.id]})
    if docs:
        session.execute(update(Document), docs)
    if versions:
        session.execute(update(Version), versions)


def document_id_for_url(session: Session, url: str) -> int | None:
    """The document a URL was last archived as (the fetch URL may differ from the canonical document URL)."""
    doc_id = session.scalar(select(Document.id).where(Document.url == url))
    if doc_id is not None:
        return doc_id
    return session.scalar(select(Fetch.document_id).where(Fetch.url == url, Fetch.document_id.is_not(None))
                          .order_by(Fetch.id.desc()).limit(1))


def mark_attachment(session: Session, document_id: int, parent_id: int | None) -> None:
    session.execute(update(Document).where(Document.id == document_id).values(kind="attachment", parent_id=parent_id))


@dataclass(frozen=True)
class CapturedFetch:
    """A fetch whose response is in a WARC file, with the document it produced."""

    fetch_id: int
    url: str
    kind: str
    source_id: int
    document_id: int
    warc_path: str
    warc_offset: int
    warc_length: int
    content_type: str | None
    fetched_at: dt.datetime


def captured_fetches(session: Session, source: str | None = None,
                     since: dt.datetime | None = None) -> list[CapturedFetch]:
    """For each document, the newest fetch with a body in a WARC (what `reprocess` re-extracts)."""
    latest = (
        select(func.max(Fetch.id).label("id"))
        .where(Fetch.document_id.is_not(None), Fetch.warc_path.is_not(None), Fetch.status == 200)
        .group_by(Fetch.document_id)
    )
    if since is not None:
        latest = latest.where(Fetch.fetched_at >= since)
    if source is not None:
        latest = latest.join(Source, Source.id == Fetch.source_id).where(Source.name == source)
    sub = latest.subquery()
    rows = session.execute(
        select(Fetch.id, Fetch.url, Fetch.kind, Fetch.source_id, Fetch.document_id, Fetch.warc_path,
               Fetch.warc_offset, Fetch.warc_length, Fetch.content_type, Fetch.fetched_at)
        .join(sub, sub.c.id == Fetch.id).order_by(Fetch.id)
    ).all()
    return [CapturedFetch(*r) for r in rows]
