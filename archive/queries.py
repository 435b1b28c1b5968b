"""Reads: documents, versions, history, runs and export streams, as plain records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from archive.models import CrawlRun, Document, Source, Version


@dataclass(frozen=True)
class DocumentFilter:
    source: str | None = None
    since: dt.date | None = None  # publication date, inclusive
    until: dt.date | None = None  # publication date, inclusive
    query: str | None = None  # full-text, as `search` (every term a phrase, either script)
    limit: int | None = None


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(tzinfo=dt.UTC).isoformat() if value else None


def version_record(doc: Document, version: Version, *, with_text: bool = True) -> dict[str, Any]:
    """The JSON contract of `docs show --json`, `docs list --json` (without text) and `export`."""
    record: dict[str, Any] = {
        "id": doc.id,
        "url": doc.url,
        "source": doc.source.name,
        "title": version.title,
        "published": version.published,
        "publisher": version.publisher,
        "author": version.author,
        "editor": version.editor,
        "version": version.number,
        "versions": doc.version_count,
        "reason": version.reason,
        "first_seen": _iso(version.first_seen),
        "last_seen": _iso(version.last_seen),
        "hash": version.hash,
        "meta": version.meta or {},
    }
    if with_text:
        record["text"] = version.text
    return record


def where_filters(session: Session, stmt: Select, source: str | None, since: dt.date | None,
                  until: dt.date | None, query: str | None) -> Select:
    """The filters every pull shares, on a select that already joins Source and the Version in question. `query`
    goes through the full-text index (as `search`: every term a phrase, either script), which holds current
    versions: pulls of other versions match with `archive.search.text_matches` instead."""
    if source:
        stmt = stmt.where(Source.name == source)
    if since:
        stmt = stmt.where(Version.published_on >= since)
    if until:
        stmt = stmt.where(Version.published_on <= until)
    if query:
        from archive.search import matching_ids

        stmt = stmt.where(Document.id.in_(matching_ids(session, query)))
    return stmt


def _current_documents(session: Session, flt: DocumentFilter) -> Select[tuple[Document, Version]]:
    stmt = (
        select(Document, Version)
        .join(Version, Version.id == Document.current_version_id)
        .join(Source, Source.id == Document.source_id)
    )
    stmt = where_filters(session, stmt, flt.source, flt.since, flt.until, flt.query)
    stmt = stmt.order_by(Version.published_on.desc().nulls_last(), Document.id.desc())
    if flt.limit:
        stmt = stmt.limit(flt.limit)
    return stmt


def list_documents(session: Session, flt: DocumentFilter) -> list[tuple[Document, Version]]:
    return [(d, v) for d, v in session.execute(_current_documents(session, flt)).all()]


def iter_documents(session: Session, flt: DocumentFilter, batch: int = 500) -> Iterator[tuple[Document, Version]]:
    """Streams rows in batches so an export's memory stays flat."""
    result = session.execute(_current_documents(session, flt).execution_options(yield_per=batch))
    yield from result.tuples()


def find_document(session: Session, ref: str) -> Document | None:
    """A document by numeric id or by URL (canonicalised first)."""
    if ref.isdigit():
        return session.get(Document, int(ref))
    from archive.urls import canonical_url

    return session.scalar(select(Document).where(Document.url.in_({ref, canonical_url(ref)})))


def get_version(session: Session, doc: Document, number: int | None = None) -> Version | None:
    if number is None:
        return session.get(Version, doc.current_version_id) if doc.current_version_id else None
    return session.scalar(select(Version).where(Version.document_id == doc.id, Version.number == number))


def history(session: Session, doc: Document) -> list[Version]:
    return list(session.scalars(select(Version).where(Version.document_id == doc.id).order_by(Version.number)))


def list_runs(session: Session, source: str | None = None, limit: int = 20) -> list[CrawlRun]:
    stmt = select(CrawlRun).join(Source).order_by(CrawlRun.id.desc()).limit(limit)
    if source:
        stmt = stmt.where(Source.name == source)
    return list(session.scalars(stmt))


def run_record(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source": run.source.name,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "pages": run.pages,
        "new_documents": run.new_documents,
        "new_versions": run.new_versions,
        "errors": run.errors,
        "message": run.message,
    }
