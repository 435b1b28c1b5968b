"""Writes: sources, runs, fetches and versions. Functions take a session and never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from archive import events
from archive.clusters import assign
from archive.models import CrawlRun, Document, Fetch, Source, Version, utcnow
from archive.search import index_document
from corpus import EXTRACTOR_VERSION, Extraction, Piece, normalize_text, text_hash


@dataclass(frozen=True)
class Stored:
    """What happened to one extracted page: new | changed | unchanged | stale."""

    outcome: str
    document_id: int
    version_number: int


def ensure_source(session: Session, name: str, title: str = "") -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, title=title)
        session.add(source)
        session.flush()
    elif title and source.title != title:
        source.title = title
    return source


def start_run(session: Session, source: Source, trigger: str = "manual", pid: int | None = None) -> CrawlRun:
    run = CrawlRun(source_id=source.id, trigger=trigger, pid=pid, status="running")
    session.add(run)
    session.flush()
    return run


def run_counts(session: Session, run_id: int) -> dict[str, int]:
    """Counts derived from the run's fetch rows, so they are right even after a crash mid-run."""
    rows = session.execute(
        select(Fetch.outcome, func.count()).where(Fetch.run_id == run_id).group_by(Fetch.outcome)
    ).all()
    by = {outcome: n for outcome, n in rows}
    return {
        "pages": sum(by.values()),
        "new_documents": by.get("new", 0),
        "new_versions": by.get("new", 0) + by.get("changed", 0),
        "errors": by.get("error", 0),
    }


def finish_run(session: Session, run_id: int, status: str, message: str | None = None) -> CrawlRun:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"no crawl run {run_id}")
    for key, value in run_counts(session, run_id).items():
        setattr(run, key, value)
    run.status = status
    run.finished_at = utcnow()
    if message:
        run.message = message
    return run


def record_fetch(session: Session, *, source_id: int, url: str, outcome: str, run_id: int | None = None,
                 **fields: object) -> Fetch:
    fetch = Fetch(source_id=source_id, url=url, outcome=outcome, run_id=run_id, **fields)
    session.add(fetch)
    session.flush()
    return fetch


def _document_for(session: Session, source_id: int, url: str, seen_at: dt.datetime) -> Document:
    """Insert-or-get that is safe when two crawls meet the same URL at once."""
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    if insert is not None:
        stmt = insert(Document).values(source_id=source_id, url=url, first_seen=seen_at, last_seen=seen_at,
                                       version_count=0)
        session.execute(stmt.on_conflict_do_nothing(index_elements=["url"]))
        return session.scalars(select(Document).where(Document.url == url)).one()
    doc = session.scalar(select(Document).where(Document.url == url))
    if doc is None:
        doc = Document(source_id=source_id, url=url, first_seen=seen_at, last_seen=seen_at, version_count=0)
        session.add(doc)
        session.flush()
    return doc


def _published_on(published: str | None) -> dt.date | None:
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def store_extraction(session: Session, *, source_id: int, url: str, extraction: Extraction,
                     fetch: Fetch | None = None, seen_at: dt.datetime | None = None,
                     reason_if_changed: str = "changed") -> Stored:
    """Append a version only when the normalised text hash differs from the current one."""
    seen_at = seen_at or utcnow()
    doc = _document_for(session, source_id, url, seen_at)
    current = session.get(Version, doc.current_version_id) if doc.current_version_id else None
    if current is not None and current.hash == extraction.hash:
        current.last_seen = max(current.last_seen, seen_at)
        doc.last_seen = max(doc.last_seen, seen_at)
        return Stored("unchanged", doc.id, current.number)
    if current is not None and current.last_seen > seen_at:
        # fetched before the version we already hold was last confirmed: writing it would fake A→B→A
        return Stored("stale", doc.id, current.number)
    meta = extraction.metadata
    version = Version(
        document_id=doc.id, number=doc.version_count + 1, reason="new" if current is None else reason_if_changed,
        title=extraction.title or meta.title, text=extraction.text, text_norm=extraction.text_norm,
        hash=extraction.hash, published=meta.published, published_on=_published_on(meta.published),
        publisher=meta.publisher, author=meta.author, editor=meta.editor, meta=dict(meta.extra),
        extractor_version=EXTRACTOR_VERSION, fetch_id=fetch.id if fetch else None,
        first_seen=seen_at, last_seen=seen_at,
    )
    session.add(version)
    session.flush()
    events.document_stored(session, doc, version, current)
    session.execute(
        update(Document).where(Document.id == doc.id).values(
            current_version_id=version.id, version_count=version.number, last_seen=seen_at)
    )
    session.expire(doc)
    # the search index and the cluster follow the current version, in this same transaction
    index_document(session, doc.id, version.title, version.text_norm)
    assign(session, doc.id, version.id, version.text_norm)
    return Stored("new" if current is None else "changed", doc.id, version.number)


def store_pieces(session: Session, parent_doc_id: int, pieces: Sequence[Piece], *, extraction: Extraction,
                 fetch: Fetch | None = None, seen_at: dt.datetime | None = None) -> list[Stored]:
    """Each piece of a compilation as a child document (kind "piece", URL <parent>#piece-<n>), versioned like any
    document; it inherits the parent page's metadata and carries its own title. Numbers, not titles, name the
    children, so two pieces with one title stay two documents."""
    parent = session.get(Document, parent_doc_id)
    if parent is None:
        raise LookupError(f"no document {parent_doc_id}")
    stored = []
    for piece in pieces:
        text_norm = normalize_text(piece.text)
        child = replace(extraction, title=piece.title, text=piece.text, text_norm=text_norm,
                        hash=text_hash(text_norm), removed=(), pieces=(), extracted="", canonical_url=None)
        result = store_extraction(session, source_id=parent.source_id, url=f"{parent.url}#piece-{piece.number}",
                                  extraction=child, fetch=fetch, seen_at=seen_at)
        session.execute(update(Document).where(Document.id == result.document_id)
                        .values(kind="piece", parent_id=parent.id))
        stored.append(result)
    return stored
